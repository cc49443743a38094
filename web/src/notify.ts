import type { PresenceStatus } from './protocol';

export interface NotifySettings { desktop: boolean; sound: boolean }
const KEY = 'penguin.notify';

export function loadNotifySettings(storage: Storage): NotifySettings {
  try {
    const s = JSON.parse(storage.getItem(KEY) ?? 'null');
    return { desktop: s?.desktop === true, sound: s?.sound === true };
  } catch {
    return { desktop: false, sound: false };
  }
}

export function saveNotifySettings(storage: Storage, settings: NotifySettings) {
  storage.setItem(KEY, JSON.stringify(settings));
}

/** A new message is announced unless the user is reading that chat in a visible page, or asked not to be disturbed. */
export function shouldAnnounce(o: { hidden: boolean; viewing: number | null; from: number; status: PresenceStatus }): boolean {
  if (o.status === 'dnd') return false;
  return o.hidden || o.viewing !== o.from;
}

/** A short two-tone chime made on the spot (no sound file to fetch). */
export function chime() {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    [880, 1320].forEach((frequency, i) => {
      const o = ctx.createOscillator();
      o.frequency.value = frequency;
      o.connect(gain);
      o.start(ctx.currentTime + i * 0.12);
      o.stop(ctx.currentTime + i * 0.12 + 0.1);
    });
    setTimeout(() => void ctx.close(), 500);
  } catch { /* no audio here */ }
}

import { useSyncExternalStore } from 'react';

/** A tiny observable value for React (useSyncExternalStore): the whole client state lives in one. */
export class Store<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}
  get = () => this.value;
  set(next: T) {
    if (next === this.value) return;
    this.value = next;
    for (const l of this.listeners) l();
  }
  update(f: (value: T) => T) { this.set(f(this.value)); }
  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  };
}

export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

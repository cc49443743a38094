using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Penguin.Load.Net;

/// <summary>What an <see cref="EpollReactor"/> calls when a registered socket has something to read.</summary>
public interface IReadable
{
    /// <summary>Reads what the kernel holds (without blocking) and handles it; called on the reactor's thread only.</summary>
    void OnReadable();
}

/// <summary>What an <see cref="EpollReactor"/> calls at the tick it was asked for (<see cref="EpollReactor.AtNextTick"/>).</summary>
public interface ITickable
{
    /// <summary>Called once on the reactor's thread, at the first tick after the request.</summary>
    void OnTick();
}

/// <summary>
/// One thread waiting in <c>epoll_wait</c> for every registered socket and reading each ready one on the spot.
/// The .NET socket engine hands each readiness from its epoll thread to a thread-pool worker (a wake-up and a
/// thread switch per read); at the load tool's rates those hand-offs cost more than the reads. Here one wait
/// returns many ready sockets and each is read on the same thread. Level-triggered, so a socket not read to
/// the end is reported again. Sockets registered here must not use the .NET async socket API afterwards.
/// The reactor also keeps a clock of ticks every <see cref="TickInterval"/> (the devices' acks): work asked for
/// with <see cref="AtNextTick"/> runs on this thread at the next tick, so nothing on the hot path wakes the thread pool.
/// </summary>
public sealed unsafe partial class EpollReactor
{
    private const int EpollCtlAdd = 1, EpollCtlDel = 2;
    private const uint EpollIn = 0x001, EpollRdHup = 0x2000; // errors and hang-ups are always reported
    private const int MaxEvents = 256;

    // struct epoll_event { uint32 events; uint64 data; }: packed on x86-64 (12 bytes), naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize - 8;

    /// <summary>How often the ticks come (the general client's ack interval).</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(20);

    private static readonly long TickTicks = (long)(TickInterval.TotalSeconds * Stopwatch.Frequency);

    private static readonly Lazy<EpollReactor[]> Shared = new(() =>
        Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount / 2)).Select(i => new EpollReactor($"load-epoll-{i}")).ToArray());
    private static int _next;

    private readonly int _epoll;
    private readonly Thread _thread;
    private readonly Lock _lock = new();
    private readonly List<IReadable?> _slots = [];
    private readonly Stack<int> _free = new();
    private List<ITickable> _due = [], _ticking = [];
    private long _nextTick;

    private EpollReactor(string name)
    {
        _epoll = EpollCreate1(0);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}).");
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The next of the process's reactors (one per two cores), round robin.</summary>
    public static EpollReactor Next()
    {
        var all = Shared.Value;
        return all[(int)((uint)Interlocked.Increment(ref _next) % all.Length)];
    }

    /// <summary>Starts watching <paramref name="fd"/>; returns the registration to pass to <see cref="Remove"/>.</summary>
    public int Add(int fd, IReadable readable)
    {
        int slot;
        lock (_lock)
        {
            if (_free.TryPop(out slot)) _slots[slot] = readable;
            else
            {
                slot = _slots.Count;
                _slots.Add(readable);
            }
        }
        var e = stackalloc byte[16];
        *(uint*)e = EpollIn | EpollRdHup;
        *(ulong*)(e + DataOffset) = (ulong)slot;
        if (EpollCtl(_epoll, EpollCtlAdd, fd, e) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Release(slot);
            throw new IOException($"epoll_ctl(ADD) failed (errno {errno}).");
        }
        return slot;
    }

    /// <summary>Stops watching <paramref name="fd"/> (before it is closed, so a reused descriptor is never confused with it).</summary>
    public void Remove(int fd, int slot)
    {
        EpollCtl(_epoll, EpollCtlDel, fd, null);
        Release(slot);
    }

    /// <summary>
    /// Calls <paramref name="tickable"/> at the next tick (a fixed grid of <see cref="TickInterval"/>, so work asked
    /// for by many sockets runs together). Only on this reactor's thread, from <see cref="IReadable.OnReadable"/>.
    /// </summary>
    public void AtNextTick(ITickable tickable)
    {
        if (Thread.CurrentThread != _thread) throw new InvalidOperationException("AtNextTick is for the reactor's own thread.");
        if (_due.Count == 0)
        {
            var now = Stopwatch.GetTimestamp();
            _nextTick = now - now % TickTicks + TickTicks;
        }
        _due.Add(tickable);
    }

    private void Release(int slot)
    {
        lock (_lock)
        {
            _slots[slot] = null;
            _free.Push(slot);
        }
    }

    private void Run()
    {
        var events = new byte[MaxEvents * EventSize];
        fixed (byte* ready = events)
        {
            while (true)
            {
                var n = EpollWait(_epoll, ready, MaxEvents, MillisecondsToTick());
                for (var i = 0; i < n; i++)
                {
                    var slot = (int)*(ulong*)(ready + (i * EventSize) + DataOffset);
                    IReadable? readable;
                    lock (_lock) readable = _slots[slot];
                    readable?.OnReadable();
                }
                if (_due.Count > 0 && Stopwatch.GetTimestamp() >= _nextTick) Tick();
            }
        }
    }

    /// <summary>epoll_wait's timeout: until the next tick when one is due, else none.</summary>
    private int MillisecondsToTick()
    {
        if (_due.Count == 0) return -1;
        var left = _nextTick - Stopwatch.GetTimestamp();
        return left <= 0 ? 0 : (int)((left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    private void Tick()
    {
        (_due, _ticking) = (_ticking, _due);
        foreach (var tickable in _ticking) tickable.OnTick();
        _ticking.Clear();
    }

    /// <summary><c>recv(fd, buffer, MSG_DONTWAIT)</c>: bytes read, 0 at the end of the stream, -1 with nothing to read now, -2 on an error.</summary>
    public static int ReceiveNow(int fd, Span<byte> buffer)
    {
        const int MsgDontWait = 0x40, EAgain = 11, EIntr = 4;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Recv(fd, p, buffer.Length, MsgDontWait);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                return errno == EAgain ? -1 : -2;
            }
        }
    }

    /// <summary><c>send(fd, data, MSG_NOSIGNAL)</c> until all of it is written (a blocking socket waits for room); false on an error.</summary>
    public static bool SendAll(int fd, ReadOnlySpan<byte> data)
    {
        const int MsgNoSignal = 0x4000, EIntr = 4;
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Send(fd, p + done, data.Length - done, MsgNoSignal);
                if (n >= 0) done += (int)n;
                else if (Marshal.GetLastPInvokeError() != EIntr) return false;
            }
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* e);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, byte* buffer, nint length, int flags);
}

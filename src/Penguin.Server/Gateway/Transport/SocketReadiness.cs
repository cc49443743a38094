using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Penguin.Server.Gateway.Transport;

/// <summary>
/// One epoll instance and one thread that tell the gateway's device sockets when they are readable, in place of the
/// runtime's socket engine. A socket that never makes an asynchronous call through <see cref="Socket"/> never gets the
/// runtime's per-socket state (its <c>SocketAsyncContext</c>, the cached awaitable event args, the queued receive
/// operation: ~730 bytes of every idle device); here it costs one <see cref="ReadableWait"/>. Reads and sends are
/// non-blocking calls on the descriptor (<see cref="RawSocket"/>: the socket itself stays in blocking mode, as switching
/// it would create the runtime's state); only a send the kernel cannot take at once falls back to the runtime's engine.
/// Edge-triggered, as the runtime's engine is: a socket is added once (at its first wait) and reported at each
/// arrival of bytes; a report while nobody waits is remembered for the next wait. The thread only completes waiters
/// (their continuations run on the thread pool), never user code. Linux only (x64 and arm64); elsewhere
/// <see cref="Shared"/> is null and sockets wait through the runtime as before.
/// </summary>
internal sealed class SocketReadiness
{
    private const int EpollCtlAdd = 1, EpollCtlDel = 2;
    private const uint EpollIn = 0x001, EpollRdHup = 0x2000, EpollEdgeTriggered = 1u << 31; // errors and hang-ups are always reported
    private const int MaxEvents = 256;

    // struct epoll_event { uint32 events; uint64 data; }: packed on x86-64 (12 bytes), naturally aligned on arm64 (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly Lazy<SocketReadiness?> Instance = new(Create);

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private ReadableWait?[] _slots = new ReadableWait?[1024];
    private readonly Stack<int> _free = new();
    private int _used;

    private SocketReadiness(int epoll)
    {
        _epoll = epoll;
        new Thread(Run) { IsBackground = true, Name = "penguin-device-epoll" }.Start();
    }

    /// <summary>The process's instance, or null where epoll is not available (the runtime's engine is used then).</summary>
    public static SocketReadiness? Shared => Instance.Value;

    private static SocketReadiness? Create()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        try
        {
            var epoll = EpollCreate1(0x80000); // EPOLL_CLOEXEC
            return epoll < 0 ? null : new SocketReadiness(epoll);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A waiter for <paramref name="socket"/> (nothing is registered until its first wait).</summary>
    public ReadableWait Watch(Socket socket) => new(this, socket);

    /// <summary>Adds <paramref name="wait"/>'s socket to the epoll set if it is not in it yet; false when the socket is gone. Called under the wait's lock.</summary>
    internal bool Add(ReadableWait wait)
    {
        if (wait.Added) return true;
        if (wait.Slot < 0) wait.Slot = Take(wait);
        var e = new EpollEvent(EpollIn | EpollRdHup | EpollEdgeTriggered, (ulong)wait.Slot);
        return wait.Added = Control(wait.Socket, EpollCtlAdd, ref e);
    }

    /// <summary>Takes <paramref name="wait"/>'s socket off the epoll set (before the socket is closed) and frees its slot. Called under the wait's lock.</summary>
    internal void Forget(ReadableWait wait)
    {
        if (wait.Added)
        {
            var e = default(EpollEvent);
            Control(wait.Socket, EpollCtlDel, ref e);
            wait.Added = false;
        }
        if (wait.Slot < 0) return;
        lock (_lock)
        {
            _slots[wait.Slot] = null;
            _free.Push(wait.Slot);
            _used--;
        }
        wait.Slot = -1;
    }

    private int Take(ReadableWait wait)
    {
        lock (_lock)
        {
            if (!_free.TryPop(out var slot))
            {
                slot = _used;
                if (slot == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            }
            _slots[slot] = wait;
            _used++;
            return slot;
        }
    }

    /// <summary>epoll_ctl on the socket's descriptor, holding a reference to it so it cannot be closed (and reused) meanwhile.</summary>
    private bool Control(Socket socket, int op, ref EpollEvent e)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return EpollCtl(_epoll, op, (int)handle.DangerousGetHandle(), ref e) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false; // closed: the kernel dropped it from the set with the descriptor
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private void Run()
    {
        var events = new byte[MaxEvents * EventSize];
        while (true)
        {
            var n = EpollWait(_epoll, events, MaxEvents, -1);
            for (var i = 0; i < n; i++)
            {
                var slot = (int)BinaryPrimitives.ReadUInt64LittleEndian(events.AsSpan((i * EventSize) + EventSize - 8));
                ReadableWait? wait;
                lock (_lock) wait = slot < _slots.Length ? _slots[slot] : null;
                // A report for a slot freed and taken again since is a spurious wake-up: its reader finds nothing and waits again.
                wait?.Ready();
            }
        }
    }

    /// <summary>The event as epoll_ctl takes it: data at offset 4 on x86-64 (packed), at 8 elsewhere.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    private struct EpollEvent
    {
        [FieldOffset(0)] private uint _events;
        [FieldOffset(4)] private ulong _dataPacked;
        [FieldOffset(8)] private ulong _dataAligned;

        public EpollEvent(uint events, ulong data)
        {
            _events = events;
            if (EventSize == 12) _dataPacked = data;
            else _dataAligned = data;
        }
    }

    // DllImport with blittable arguments: no generated marshalling, so no unsafe code in this project.
#pragma warning disable SYSLIB1054, CA5392
    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollCtl(int epfd, int op, int fd, ref EpollEvent e);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(int epfd, byte[] events, int maxEvents, int timeout);
#pragma warning restore SYSLIB1054, CA5392
}

/// <summary>
/// Waits until one socket is readable (or has an error or a hang-up: the next read says which), through
/// <see cref="SocketReadiness"/>. One wait at a time, and only after a read found nothing: a report is an edge (bytes
/// arrived), so a wait completes at the next arrival, or at once when one came since the last wait (perhaps bytes
/// already read: a spurious wake-up, after which the reader finds nothing and waits again). <see cref="Close"/>
/// (always before the socket is closed) ends a pending wait with false and every later one at once.
/// </summary>
internal sealed class ReadableWait : IValueTaskSource<bool>, IValueTaskSource<int>
{
    /// <summary>What <see cref="Park"/> did: parked (the callback will run), nothing (a report came since the last wait: read again), or nothing (closed).</summary>
    public enum Parking { Parked, Reported, Closed }

    private const int Idle = 0, Armed = 1, Closed = 2;

    private readonly SocketReadiness _readiness;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;
    private bool _reported; // a report came while nobody waited

    public ReadableWait(SocketReadiness readiness, Socket socket)
    {
        _readiness = readiness;
        Socket = socket;
    }

    internal Socket Socket { get; }
    internal int Slot { get; set; } = -1;
    internal bool Added { get; set; }

    /// <summary>True when the socket became readable (possibly spuriously: read without blocking and wait again if nothing is there); false once closed.</summary>
    public ValueTask<bool> WaitAsync() => TryArm(out var version) ? new ValueTask<bool>(this, version) : ValueTask.FromResult(false);

    /// <summary><see cref="WaitAsync"/> as a count, the way a socket's zero-byte receive says it: 1 when readable, 0 once closed.</summary>
    public ValueTask<int> WaitAsCountAsync() => TryArm(out var version) ? new ValueTask<int>(this, version) : ValueTask.FromResult(0);

    private bool TryArm(out short version)
    {
        lock (this)
        {
            version = 0;
            if (_state == Closed) return false;
            if (_state == Armed) throw new InvalidOperationException("One wait at a time.");
            _core.Reset();
            version = _core.Version;
            if (!_readiness.Add(this))
            {
                _state = Closed;
                _readiness.Forget(this);
                return false;
            }
            _state = Armed;
            if (_reported)
            {
                _reported = false;
                _state = Idle;
                _core.SetResult(true); // synchronously: the caller gets a completed ValueTask
            }
            return true;
        }
    }

    /// <summary>
    /// A wait without an awaiter: <paramref name="callback"/>(<paramref name="state"/>) runs on the thread pool once bytes
    /// may be there or the wait is closed, and nothing else is held meanwhile. Only after a read found nothing.
    /// </summary>
    public Parking Park(Action<object?> callback, object state)
    {
        lock (this)
        {
            if (_state == Closed) return Parking.Closed;
            if (_state == Armed) throw new InvalidOperationException("One wait at a time.");
            if (_reported)
            {
                _reported = false;
                return Parking.Reported;
            }
            if (!_readiness.Add(this))
            {
                _state = Closed;
                _readiness.Forget(this);
                return Parking.Closed;
            }
            _core.Reset();
            _state = Armed;
            _core.OnCompleted(callback, state, _core.Version, ValueTaskSourceOnCompletedFlags.None);
            return Parking.Parked;
        }
    }

    /// <summary>The epoll thread's report.</summary>
    internal void Ready()
    {
        lock (this)
        {
            if (_state != Armed)
            {
                if (_state == Idle) _reported = true;
                return;
            }
            _state = Idle;
        }
        _core.SetResult(true);
    }

    /// <summary>Takes the socket off the epoll set and ends a pending wait (with false); call before closing the socket. Idempotent.</summary>
    public void Close()
    {
        bool wake;
        lock (this)
        {
            if (_state == Closed) return;
            wake = _state == Armed;
            _state = Closed;
            _readiness.Forget(this);
        }
        if (wake) _core.SetResult(false);
    }

    /// <summary>
    /// Reads what is there into <paramref name="buffer"/>, waiting until something is: the count (0 at the end of the
    /// stream). A closed wait (the connection ended, <paramref name="cancellationToken"/> cancelled) throws.
    /// </summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags flags, CancellationToken cancellationToken)
    {
        while (true)
        {
            var n = RawSocket.Receive(Socket, buffer.Span, flags, out var error);
            if (error == SocketError.Success) return n;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
            if (!await WaitCancellableAsync(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new ObjectDisposedException(nameof(Socket));
            }
        }
    }

    /// <summary>Whether bytes (or the end of the stream, or an error) are there to read now, without taking any.</summary>
    public bool IsReadableNow()
    {
        Span<byte> one = stackalloc byte[1];
        RawSocket.Receive(Socket, one, SocketFlags.Peek, out var error);
        return error != SocketError.WouldBlock;
    }

    /// <summary>A wait that <paramref name="cancellationToken"/> ends by closing this (the socket is being given up either way).</summary>
    public async ValueTask<bool> WaitCancellableAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled) return await WaitAsync();
        await using var registration = cancellationToken.UnsafeRegister(static wait => ((ReadableWait)wait!).Close(), this);
        return await WaitAsync();
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token) ? 1 : 0;

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>
/// recv and send with MSG_DONTWAIT straight on a socket's descriptor (Linux), holding a reference to its handle so a
/// concurrent close cannot hand the number to another socket meanwhile. <see cref="Socket"/>'s own calls on a socket
/// in blocking mode would create the runtime's per-socket state and wait through its engine; setting the socket
/// non-blocking would create that state too.
/// </summary>
internal static class RawSocket
{
    private const int MsgPeek = 0x2, MsgDontWait = 0x40, MsgNoSignal = 0x4000;
    private const int EIntr = 4, EAgain = 11, EPipe = 32, ENotConn = 107, EConnReset = 104, ETimedOut = 110;

    /// <summary>The bytes read (0 at the end of the stream), or 0 with <paramref name="error"/> set (WouldBlock: nothing there now).</summary>
    public static int Receive(Socket socket, Span<byte> buffer, SocketFlags flags, out SocketError error)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var native = MsgDontWait | ((flags & SocketFlags.Peek) != 0 ? MsgPeek : 0);
            while (true)
            {
                var n = Recv(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, native);
                if (n >= 0)
                {
                    error = SocketError.Success;
                    return (int)n;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                error = ErrorOf(errno);
                return 0;
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>The bytes the kernel took now (possibly fewer than given), or 0 with <paramref name="error"/> set (WouldBlock: no room now).</summary>
    public static int Send(Socket socket, ReadOnlySpan<byte> bytes, out SocketError error)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                var n = SendNative(fd, ref MemoryMarshal.GetReference(bytes), bytes.Length, MsgDontWait | MsgNoSignal);
                if (n >= 0)
                {
                    error = SocketError.Success;
                    return (int)n;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                error = ErrorOf(errno);
                return 0;
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static SocketError ErrorOf(int errno) => errno switch
    {
        EAgain => SocketError.WouldBlock,
        EConnReset => SocketError.ConnectionReset,
        EPipe => SocketError.Shutdown,
        ENotConn => SocketError.NotConnected,
        ETimedOut => SocketError.TimedOut,
        _ => SocketError.SocketError,
    };

#pragma warning disable SYSLIB1054, CA5392
    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern nint Recv(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint SendNative(int fd, ref readonly byte buffer, nint length, int flags);
#pragma warning restore SYSLIB1054, CA5392
}

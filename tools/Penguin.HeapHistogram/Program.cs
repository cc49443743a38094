using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;

// penguin-heap: what a running .NET process (penguin-server) keeps alive, by type. Forces a full GC in the
// target through EventPipe, pauses it, marks every object reachable from the roots and prints a histogram
// of the live ones — the tool behind docs/benchmarks.md §3's per-connection memory breakdown.
if (args.Length is < 1 or > 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var pid))
{
    Console.Error.WriteLine("usage: penguin-heap <pid> [top=40]   live objects of a .NET process by type / 按类型列出 .NET 进程的存活对象");
    return 2;
}
var top = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;

Console.Error.WriteLine("forcing a full GC in the target… / 正在触发完整垃圾回收…");
InduceFullCollection(pid);

Console.Error.WriteLine("walking the heap (the target is paused) … / 正在遍历堆（目标进程已暂停）…");
using var target = DataTarget.AttachToProcess(pid, suspend: true);
var heap = target.ClrVersions[0].CreateRuntime().Heap;
var live = MarkLive(heap);

var byType = new Dictionary<string, (long Count, long Bytes)>();
long liveBytes = 0, allBytes = 0;
foreach (var obj in heap.EnumerateObjects())
{
    if (!obj.IsValid) continue;
    allBytes += (long)obj.Size;
    if (!live.Contains(obj.Address)) continue;
    var name = obj.Type?.Name ?? "?";
    var (count, bytes) = byType.GetValueOrDefault(name);
    byType[name] = (count + 1, bytes + (long)obj.Size);
    liveBytes += (long)obj.Size;
}

var committed = heap.Segments.Sum(s => (long)s.CommittedMemory.Length);
Console.WriteLine(FormattableString.Invariant($"GC committed {committed:N0} B; objects {allBytes:N0} B; live {liveBytes:N0} B in {live.Count:N0} objects"));
Console.WriteLine("        bytes      count  type");
foreach (var (name, (count, bytes)) in byType.OrderByDescending(kv => kv.Value.Bytes).Take(top))
    Console.WriteLine(FormattableString.Invariant($"{bytes,13:N0} {count,10:N0}  {name}"));
return 0;

// The GCHeapCollect keyword makes the runtime run a blocking full collection when the session starts.
static void InduceFullCollection(int pid)
{
    const long GcKeyword = 0x1, GcHeapCollectKeyword = 0x800000;
    var client = new DiagnosticsClient(pid);
    using var session = client.StartEventPipeSession(
        [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword)],
        requestRundown: false);
    var drain = Task.Run(() => session.EventStream.CopyTo(Stream.Null));
    Thread.Sleep(TimeSpan.FromSeconds(2));
    session.Stop();
#pragma warning disable RS0030 // a synchronous one-shot tool: waits at most 5 s for the event stream to drain
    drain.Wait(TimeSpan.FromSeconds(5));
#pragma warning restore RS0030
}

// Objects the target can still reach; anything else on the heap is garbage the GC has not swept yet.
static HashSet<ulong> MarkLive(ClrHeap heap)
{
    var live = new HashSet<ulong>();
    var pending = new Stack<ulong>();
    foreach (var root in heap.EnumerateRoots())
        if (root.Object.Address != 0 && live.Add(root.Object.Address)) pending.Push(root.Object.Address);
    while (pending.Count > 0)
    {
        var obj = heap.GetObject(pending.Pop());
        if (!obj.IsValid) continue;
        foreach (var reference in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: true))
            if (reference != 0 && live.Add(reference)) pending.Push(reference);
    }
    return live;
}

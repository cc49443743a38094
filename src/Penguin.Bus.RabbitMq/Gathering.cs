namespace Penguin.Bus.RabbitMq;

/// <summary>
/// Gathers items that arrive while the previous batch is being sent and sends them together: one loop runs while
/// there is anything to send, and each caller waits for the batch its item went out in. <c>send</c> hands a batch
/// on and returns what its waiters wait for (the send itself, or a later answer); it must not throw.
/// </summary>
internal sealed class Gathering<T>(Func<T[], Task<Task>> send)
{
    private readonly List<T> _items = [];
    private TaskCompletionSource? _next; // completes when the batch holding _items is done
    private bool _running;

    public Task Add(IEnumerable<T> items)
    {
        Task done;
        var start = false;
        lock (_items)
        {
            _items.AddRange(items);
            done = (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            if (!_running) start = _running = true;
        }
        if (start) _ = Task.Run(LoopAsync);
        return done;
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            T[] batch;
            TaskCompletionSource done;
            lock (_items)
            {
                if (_items.Count == 0 || _next is null)
                {
                    _running = false;
                    return;
                }
                batch = [.. _items];
                done = _next;
                _items.Clear();
                _next = null;
            }
            var answered = await send(batch);
            _ = answered.ContinueWith(static (_, d) => ((TaskCompletionSource)d!).TrySetResult(), done, TaskScheduler.Default);
        }
    }
}

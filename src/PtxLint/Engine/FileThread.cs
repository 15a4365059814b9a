using System.Collections.Concurrent;

namespace PtxLint.Engine;

/// <summary>
/// A background thread that runs one file's analysis at a time for a file worker, so that a file can be given up on
/// after its time limit (<c>--timeout</c>) while its analysis goes on where it cannot block the process exit. One such
/// thread serves all of its worker's files, so what the parser and the analyses keep per thread (the token buffer,
/// the string pool, the register operands) carries over from file to file, as it does without a time limit: a new
/// thread per file made all of that again for each file (corpus: 350 MB of allocation, a fifth of the parse's).
/// After a file timed out, its worker abandons the thread (it finishes or hangs on its own, then exits) and starts
/// another.
/// </summary>
internal sealed class FileThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();

    public FileThread(string name)
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable()) work();
        _work.Dispose();
    }

    /// <summary>Runs <paramref name="f"/> on this thread after the work handed to it earlier; the task holds its result or exception.</summary>
    public Task<T> Run<T>(Func<T> f)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try { done.SetResult(f()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    /// <summary>No more work: the thread exits once what it is running (if anything) returns.</summary>
    public void Dispose() => _work.CompleteAdding();
}

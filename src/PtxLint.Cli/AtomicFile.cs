using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace PtxLint.Cli;

/// <summary>
/// Writes a file so readers never see half of it: a temp file in the same directory, then a rename. On an
/// exception the temp file is deleted and the old file is untouched; on Ctrl-C (SIGINT), SIGTERM or SIGQUIT the
/// temp files being written are deleted before the process ends. Only an uncatchable kill (SIGKILL, power loss)
/// can leave a <c>.NAME.PID.GUID.tmp</c> behind, and even then the old file is intact.
/// </summary>
public static class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> Pending = new(StringComparer.Ordinal);
    private static readonly object InitLock = new();
    private static List<PosixSignalRegistration>? _registrations;

    public static void Write(string path, Action<Stream> write)
    {
        EnsureCleanupOnSignals();
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Pending[tmp] = 0;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        finally
        {
            Pending.TryRemove(tmp, out _);
        }
    }

    /// <summary>Deletes the temp files of writes in progress (signal handlers and process exit).</summary>
    public static void DeletePending()
    {
        foreach (var tmp in Pending.Keys) TryDelete(tmp);
    }

    private static void TryDelete(string tmp)
    {
        try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void EnsureCleanupOnSignals()
    {
        if (_registrations is not null) return;
        lock (InitLock)
        {
            if (_registrations is not null) return;
            var list = new List<PosixSignalRegistration>();
            // The handlers do not cancel the signal: the default action (ending the process) follows.
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
            {
                try { list.Add(PosixSignalRegistration.Create(signal, _ => DeletePending())); }
                catch (PlatformNotSupportedException) { }
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeletePending();
            _registrations = list;
        }
    }
}

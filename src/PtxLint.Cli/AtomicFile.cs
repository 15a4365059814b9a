using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace PtxLint.Cli;

/// <summary>
/// Writes a file so readers never see half of it: a temp file in the same directory, then a rename. On an
/// exception the temp file is deleted and the old file is untouched; on Ctrl-C (SIGINT), SIGTERM or SIGQUIT the
/// temp files being written are deleted before the process ends. Only an uncatchable kill (SIGKILL, power loss)
/// can leave a <c>.NAME.PID.GUID.tmp</c> behind, and even then the old file is intact.
/// <para>
/// Only regular files are replaced. A path that names something else (<c>/dev/null</c>, a FIFO, a socket, a terminal),
/// or a link to an open file (<c>/dev/stdout</c>, <c>/dev/fd/N</c>, <c>/proc/self/fd/N</c>), is written in place: a
/// rename over it would put a regular file where the device was, and as root that breaks <c>/dev/null</c> for the
/// whole machine. A symbolic link is
/// followed, and the file it finally points to is replaced, so the link stays a link. A replaced file keeps its
/// permissions.
/// </para>
/// </summary>
public static class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> Pending = new(StringComparer.Ordinal);
    private static readonly object InitLock = new();
    private static List<PosixSignalRegistration>? _registrations;

    public static void Write(string path, Action<Stream> write)
    {
        EnsureCleanupOnSignals();
        var given = Path.GetFullPath(path);
        bool special = IsSpecialFile(given);
        if (special || IsFileDescriptorLink(given))
        {
            // A device, FIFO or socket, or a file reached through /dev/stdout or /proc/self/fd/N (whose links lead
            // to an open file description, not to a path to rename over): no temp file and no rename. A regular file
            // there is appended to, as the shell's redirection left it (empty after `>`, its old text after `>>`).
            using var direct = new FileStream(given, special ? FileMode.Open : FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(direct);
            direct.Flush();
            return;
        }
        var full = FinalTarget(given);
        UnixFileMode? mode = !OperatingSystem.IsWindows() && File.Exists(full) ? File.GetUnixFileMode(full) : null;
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
            if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, m);
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

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) the same way.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.Write(text);
        });

    /// <summary><c>/dev/stdout</c>, <c>/dev/stderr</c>, <c>/dev/fd/N</c>, <c>/proc/.../fd/N</c>: links to an open file description.</summary>
    private static bool IsFileDescriptorLink(string full) =>
        OperatingSystem.IsLinux()
        && (full is "/dev/stdout" or "/dev/stderr" or "/dev/stdin"
            || full.StartsWith("/dev/fd/", StringComparison.Ordinal)
            || full.StartsWith("/proc/", StringComparison.Ordinal) && full.Contains("/fd/", StringComparison.Ordinal));

    /// <summary>The file a chain of symbolic links ends at (the path itself when it is not a link or does not exist).</summary>
    private static string FinalTarget(string full)
    {
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is null) return full;
            return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException) { return full; } // a loop of links: the rename below reports the error
    }

    /// <summary>True when the path exists and is neither a regular file nor a directory (a device, FIFO or socket).</summary>
    internal static bool IsSpecialFile(string full)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var mode = FileTypeOf(full);
        return mode is { } m && m != S_IFREG && m != S_IFDIR;
    }

    private const int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000;

    /// <summary>
    /// The file-type bits of <c>st_mode</c>, following links (<c>statx</c>, whose layout is the same on every
    /// architecture: <c>stx_mode</c> is the 16-bit field at byte 28); null when the path does not exist or the call is
    /// not there.
    /// </summary>
    private static unsafe int? FileTypeOf(string full)
    {
        const int AtFdCwd = -100;
        const uint StatxType = 0x1;
        var path = System.Text.Encoding.UTF8.GetBytes(full + "\0");
        var buf = stackalloc byte[256];
        var statx = StatxFunction();
        if (statx == null) return null;
        fixed (byte* p = path)
            if (((delegate* unmanaged<int, byte*, int, uint, byte*, int>)statx)(AtFdCwd, p, 0, StatxType, buf) != 0) return null;
        return *(ushort*)(buf + 28) & S_IFMT;
    }

    private static nint? _statx;

    /// <summary>glibc's <c>statx</c> (2.28 and later), or null where there is none (musl before 1.2.5, other systems).</summary>
    private static unsafe void* StatxFunction()
    {
        if (_statx is { } cached) return (void*)cached;
        nint fn = 0;
        foreach (var name in new[] { "libc.so.6", "libc" })
            if (NativeLibrary.TryLoad(name, out var lib) && NativeLibrary.TryGetExport(lib, "statx", out fn)) break;
        _statx = fn;
        return (void*)fn;
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

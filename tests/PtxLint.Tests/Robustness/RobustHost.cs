using System.Diagnostics;
using PtxLint.Cli;
using PtxLint.Engine;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Robustness;

/// <summary>The real command line with the real parser, in-process or as a real process.</summary>
public static class RobustHost
{
    /// <summary>Runs <c>Program.Run</c> in-process with the real parser and the given rules (default: the registry).</summary>
    public static int Run(out string stdout, out string stderr, IReadOnlyList<IRule>? rules = null,
        IReadOnlyDictionary<string, string>? env = null, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var ctx = new CliContext
        {
            Out = o,
            Error = e,
            Rules = rules ?? PtxLint.Rules.RuleRegistry.All,
            Parser = null,
            Environment = k => env is not null && env.TryGetValue(k, out var v) ? v : null,
        };
        var rc = Program.Run(args, ctx);
        stdout = o.ToString();
        stderr = e.ToString();
        return rc;
    }

    public static int Run(out string stdout, out string stderr, params string[] args) => Run(out stdout, out stderr, null, null, args);

    public static string CliDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "PtxLint.Cli.dll");
            Assert.True(File.Exists(dll), dll);
            return dll;
        }
    }

    /// <summary>
    /// A process inherits the signals its parent ignores: a test run started in the background by a non-interactive shell
    /// (<c>dotnet test &amp;</c>) ignores SIGINT and SIGQUIT, and so would every ptxlint it starts, which then never sees a
    /// Ctrl-C. Where the system's <c>env</c> can reset them (GNU coreutils 8.31 and later), the processes start with the
    /// default handling, as from a terminal.
    /// </summary>
    private static readonly Lazy<bool> EnvResetsSignals = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var probe = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "--default-signal=INT,QUIT,TERM", "true" }) probe.ArgumentList.Add(a);
            using var p = Process.Start(probe)!;
            return p.WaitForExit(10_000) && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    });

    /// <summary>Starts <c>dotnet PtxLint.Cli.dll ARGS</c> with redirected output (and SIGINT, SIGQUIT, SIGTERM at their default handling where it can).</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        bool reset = EnvResetsSignals.Value;
        var psi = new ProcessStartInfo(reset ? "env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (reset)
        {
            psi.ArgumentList.Add("--default-signal=INT,QUIT,TERM"); // env then executes dotnet in its place: the same process id
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("PTXLINT_DEBUG");
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>Runs the real executable to the end (at most <paramref name="timeoutSeconds"/>).</summary>
    public static (int Code, string Out, string Err) Exec(IReadOnlyDictionary<string, string>? env, int timeoutSeconds, params string[] args)
    {
        using var p = Start(env, args);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"ptxlint {string.Join(' ', args)} did not finish within {timeoutSeconds} s");
        }
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>No stack frames and no exception names: what a user sees is a message, never a trace.</summary>
    public static void AssertNoStackTrace(string stderr, string stdout = "")
    {
        foreach (var s in new[] { stderr, stdout })
        {
            Assert.DoesNotContain("   at ", s);
            Assert.DoesNotContain("Exception", s);
            Assert.DoesNotContain("Stack overflow", s);
        }
    }

    /// <summary>Sends a POSIX signal with kill(1).</summary>
    public static void Signal(int pid, string signal)
    {
        using var k = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString() }, UseShellExecute = false })!;
        k.WaitForExit();
    }
}

/// <summary>A fact that cannot hold for root (chmod 000 does not stop root): skipped, with the reason shown, as root.</summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "POSIX permissions only";
        else if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
            Skip = "running as root: chmod 000 does not stop root from reading a file, so 'unreadable' cannot be produced";
    }
}

/// <summary>A fact that needs POSIX (symlinks, signals, sparse files via SetLength).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "POSIX only (symbolic links, signals)";
    }
}

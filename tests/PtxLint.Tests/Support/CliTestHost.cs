using PtxLint.Cli;
using PtxLint.Engine;

namespace PtxLint.Tests.Support;

/// <summary>Runs the real command line in-process with fake rules and the test parser.</summary>
public static class CliTestHost
{
    public static int Run(out string stdout, out string stderr, params string[] args) =>
        RunWith(Fakes.Rules, out stdout, out stderr, args);

    public static int RunWith(IReadOnlyList<IRule> rules, out string stdout, out string stderr, params string[] args) =>
        RunCore(rules, Fakes.Parse, out stdout, out stderr, args);

    /// <summary>Like <see cref="RunWith"/> with the real parser (<c>PtxParserDriver.Parse</c>).</summary>
    public static int RunReal(IReadOnlyList<IRule> rules, out string stdout, out string stderr, params string[] args) =>
        RunCore(rules, null, out stdout, out stderr, args);

    private static int RunCore(IReadOnlyList<IRule> rules, Func<string, string, PtxLint.Ir.PtxModule>? parser,
        out string stdout, out string stderr, string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var ctx = new CliContext
        {
            Out = o,
            Error = e,
            Rules = rules,
            Parser = parser,
            Environment = _ => null,
        };
        var rc = Program.Run(args, ctx);
        stdout = o.ToString();
        stderr = e.ToString();
        return rc;
    }
}

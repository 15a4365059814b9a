using System.Text;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Cli;

/// <summary>What commands need from the outside world; tests build one with string writers and fake rules.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    /// <summary>The rules from the registry (engine rules PTX000/PTX900 are added by the engine).</summary>
    public required IReadOnlyList<IRule> Rules { get; init; }
    public bool OutputIsTerminal { get; init; }
    public bool ErrorIsTerminal { get; init; }
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    /// <summary>The parser (tests may substitute one); null: <c>PtxParserDriver.Parse</c>.</summary>
    public Func<string, string, PtxModule>? Parser { get; init; }

    public static CliContext FromConsole()
    {
        var utf8 = new UTF8Encoding(false);
        return new CliContext
        {
            Out = new StreamWriter(Console.OpenStandardOutput(), utf8, 1 << 16) { AutoFlush = false },
            Error = new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true },
            Rules = PtxLint.Rules.RuleRegistry.All,
            OutputIsTerminal = !Console.IsOutputRedirected,
            ErrorIsTerminal = !Console.IsErrorRedirected,
        };
    }
}

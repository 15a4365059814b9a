using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using PtxLint.Cli.Commands;

namespace PtxLint.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // The GPU confirmation worker (ptxlint re-invoking itself): stdout carries only its JSON result.
        if (args is [PtxLint.Cuda.Worker.WorkerHost.CommandName, ..]) return PtxLint.Cuda.Worker.WorkerHost.WorkerMain(args[1..]);
        var ctx = CliContext.FromConsole();
        try
        {
            return Run(args, ctx);
        }
        finally
        {
            ctx.Out.Flush();
            ctx.Error.Flush();
        }
    }

    /// <summary>
    /// The commands, one file each under Commands/. To add one, write <c>Commands/XCommand.cs</c> with
    /// <c>public static Command Create(CliContext ctx)</c> and add one line here.
    /// </summary>
    private static IEnumerable<Command> Commands(CliContext ctx) =>
    [
        AnalyzeCommand.Create(ctx),
        RulesCommand.Create(ctx),
        ExplainCommand.Create(ctx),
        IrCommand.Create(ctx),
        CfgCommand.Create(ctx),
        EcosystemCommand.Create(ctx),
        ConfirmCommand.Create(new EngineFindingSource(ctx)),
        ParityCommand.Create(new EngineFindingSource(ctx)),
    ];

    /// <summary>Runs the command line in-process (tests call this with their own writers and rules).</summary>
    public static int Run(string[] args, CliContext ctx)
    {
        // `ptxlint help [COMMAND]` is `ptxlint [COMMAND] --help`, as in git and dotnet.
        var root = BuildRoot(ctx);
        if (args is ["help", .. var rest])
        {
            if (rest is [var name, ..] && !name.StartsWith('-') && !root.Subcommands.Any(c => c.Name == name))
            {
                var near = Engine.Suggest.Closest(name, root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                ctx.Error.WriteLine($"ptxlint: error: unknown command '{name}'." + (near is not null ? $" Did you mean '{near}'?" : ""));
                ctx.Error.WriteLine("Run 'ptxlint --help' for usage.");
                return ExitCodes.Usage;
            }
            args = [.. rest, "--help"];
        }
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var hints = TypoHints(parse);
            foreach (var e in parse.Errors)
            {
                // "ptxlint analyse": the misspelled command is the error, not the missing one.
                if (hints.Count > 0 && e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)) continue;
                var hint = hints.FirstOrDefault(h => e.Message.Contains($"'{h.Token}'", StringComparison.Ordinal));
                ctx.Error.WriteLine($"ptxlint: error: {e.Message}" + (hint.Near is { } near ? $" Did you mean '{near}'?" : ""));
            }
            var cmd = parse.CommandResult.Command;
            var name = cmd.Name == "ptxlint" ? "ptxlint" : "ptxlint " + cmd.Name;
            ctx.Error.WriteLine($"Run '{name} --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = ctx.Out,
                Error = ctx.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (CliUsageException e)
        {
            ctx.Error.WriteLine($"ptxlint: error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("PTXLINT_DEBUG") is null)
        {
            ctx.Error.WriteLine($"ptxlint: internal error: {e.GetType().Name}: {e.Message} (set PTXLINT_DEBUG=1 for the stack trace)");
            return ExitCodes.Usage;
        }
    }

    /// <summary>
    /// "Did you mean": for each token the parser did not match, the closest option of the command it was given to (or of
    /// the root: --help, --version) when it looks like an option, else the closest subcommand.
    /// </summary>
    private static List<(string Token, string? Near)> TypoHints(ParseResult parse)
    {
        var hints = new List<(string, string?)>();
        var cmd = parse.CommandResult.Command;
        var root = parse.RootCommandResult.Command;
        foreach (var token in parse.UnmatchedTokens)
        {
            IEnumerable<string> candidates = token.StartsWith('-')
                ? cmd.Options.Concat(root.Options).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith('-'))
                : cmd.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            hints.Add((token, Engine.Suggest.Closest(token, candidates.Distinct())));
        }
        return hints;
    }

    /// <summary>The root command, named "ptxlint" whatever the executable is called.</summary>
    public static Command BuildRoot(CliContext ctx)
    {
        var root = new Command("ptxlint", "PtxLint: a static analyzer for NVIDIA PTX (text, SARIF and JSON output).")
        {
            new HelpOption(),
            new VersionOption { Action = new VersionAction(ctx) },
        };
        foreach (var c in Commands(ctx)) root.Subcommands.Add(c);
        return root;
    }

    private sealed class VersionAction(CliContext ctx) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            ctx.Out.WriteLine($"ptxlint {Diagnostics.ToolInfo.Version}");
            return ExitCodes.Ok;
        }
    }
}

/// <summary>Exit codes of every command.</summary>
public static class ExitCodes
{
    /// <summary>Nothing at or above the fail level.</summary>
    public const int Ok = 0;
    /// <summary>Findings at or above the fail level.</summary>
    public const int Findings = 1;
    /// <summary>Usage error, bad configuration, unreadable input, internal error.</summary>
    public const int Usage = 2;
}

/// <summary>A usage error found after parsing (unknown rule id ...): printed as <c>ptxlint: error: ...</c>, exit 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

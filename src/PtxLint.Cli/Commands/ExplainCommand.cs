using System.CommandLine;
using PtxLint.Engine;

namespace PtxLint.Cli.Commands;

/// <summary><c>ptxlint explain PTXnnn</c>: prints the rule's docs page (markdown).</summary>
public static class ExplainCommand
{
    public static Command Create(CliContext ctx)
    {
        var id = new Argument<string>("rule") { Description = "A rule id (PTX005) or name (shared-address-64bit)." };
        var cmd = new Command("explain", "Print a rule's documentation.") { id };
        cmd.SetAction(parse =>
        {
            var key = parse.GetValue(id) ?? "";
            var d = new AnalysisEngine(ctx.Rules).FindRule(key.Trim());
            if (d is null)
            {
                ctx.Error.WriteLine($"ptxlint: error: unknown rule '{key}' (`ptxlint rules` lists them)");
                return ExitCodes.Usage;
            }
            ctx.Out.WriteLine(d.HelpMarkdown.TrimEnd());
            return ExitCodes.Ok;
        });
        return cmd;
    }
}

using System.CommandLine;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint explain PTXnnn</c>: prints the rule's docs page (markdown) with its "Options" section generated from the
/// options the rule declares (<see cref="RuleHelp.Markdown"/>, the same text SARIF carries as the rule's help).
/// </summary>
public static class ExplainCommand
{
    public static Command Create(CliContext ctx)
    {
        var id = new Argument<string>("rule") { Description = "A rule id (PTX005) or name (shared-address-64bit)." };
        var cmd = new Command("explain", "Print a rule's documentation and options.") { id };
        cmd.SetAction(parse =>
        {
            var key = parse.GetValue(id) ?? "";
            var engine = new AnalysisEngine(ctx.Rules);
            var d = engine.FindRule(key.Trim());
            if (d is null)
            {
                var near = Suggest.Closest(key.Trim(), engine.AllRules.SelectMany(r => new[] { r.Id, r.Name }));
                ctx.Error.WriteLine($"ptxlint: error: unknown rule '{key}'" + (near is not null ? $"; did you mean '{near}'?" : "") +
                    " (`ptxlint rules` lists them)");
                return ExitCodes.Usage;
            }
            ctx.Out.WriteLine(RuleHelp.Markdown(d).TrimEnd());
            return ExitCodes.Ok;
        });
        return cmd;
    }
}

using System.CommandLine;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Cli.Commands;

/// <summary><c>ptxlint rules</c>: the table of rules.</summary>
public static class RulesCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("rules", "List the rules: id, name, default level, short description.");
        cmd.SetAction(_ =>
        {
            var rules = new AnalysisEngine(ctx.Rules).AllRules.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            string LevelOf(RuleDescriptor d) => d.EnabledByDefault ? d.DefaultLevel.ToSarif() : "off";
            int idW = Math.Max(2, rules.Max(r => r.Id.Length));
            int nameW = Math.Max(4, rules.Max(r => r.Name.Length));
            int levelW = Math.Max(5, rules.Max(r => LevelOf(r).Length));
            ctx.Out.WriteLine($"{"ID".PadRight(idW)}  {"NAME".PadRight(nameW)}  {"LEVEL".PadRight(levelW)}  DESCRIPTION");
            foreach (var r in rules)
                ctx.Out.WriteLine($"{r.Id.PadRight(idW)}  {r.Name.PadRight(nameW)}  {LevelOf(r).PadRight(levelW)}  {r.ShortDescription}");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}

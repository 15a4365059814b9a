using System.CommandLine;
using PtxLint.Analysis;

namespace PtxLint.Cli.Commands;

/// <summary><c>ptxlint ir FILE [--function NAME]</c>: prints the IR, CFG and analysis facts.</summary>
public static class IrCommand
{
    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("file") { Description = "A PTX file." };
        var function = new Option<string?>("--function", "--kernel") { Description = "Only this function or kernel.", HelpName = "NAME" };
        var cmd = new Command("ir", "Print the IR, control-flow graph and analysis facts of a PTX file.") { file, function };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var reason = e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
                    : e is UnauthorizedAccessException ? "Permission denied" : e.Message;
                ctx.Error.WriteLine($"ptxlint: error: cannot read '{path}': {reason}");
                return ExitCodes.Usage;
            }
            var full = Path.GetFullPath(path);
            var module = (ctx.Parser ?? Syntax.PtxParserDriver.Parse)(full, text);
            var name = parse.GetValue(function);
            if (name is not null && module.FindFunction(name) is null)
            {
                ctx.Error.WriteLine($"ptxlint: error: no function '{name}' in '{path}'" +
                    (module.Functions.Count > 0 ? $" (functions: {string.Join(", ", module.Functions.Select(f => f.Name))})" : ""));
                return ExitCodes.Usage;
            }
            ctx.Out.Write(IrPrinter.Print(module, name));
            return ExitCodes.Ok;
        });
        return cmd;
    }
}

using PtxLint.Cuda.Confirm;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Output;
using PtxLint.Syntax;

namespace PtxLint.Cli;

/// <summary>Gives `ptxlint confirm` and `ptxlint parity` the analysis engine's findings and SARIF writer.</summary>
internal sealed class EngineFindingSource : IFindingSource
{
    private readonly AnalysisEngine _engine;

    public EngineFindingSource(CliContext ctx)
    {
        _engine = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules, Parser = ctx.Parser ?? PtxParserDriver.Parse });
    }

    public PtxModule Parse(string filePath, string text) => PtxParserDriver.Parse(filePath, text);

    public IReadOnlyList<Finding> Analyze(PtxModule module) =>
        _engine.AnalyzeText(module.FilePath, module.Source.Text).Findings;

    public string? ToSarif(PtxModule module, IReadOnlyList<Finding> findings)
    {
        var file = new AnalyzedFile(module.FilePath, module.Source, findings);
        var log = SarifWriter.Build(new[] { file }, _engine.AllRules, new SarifWriterOptions());
        return SarifWriter.Serialize(log);
    }
}

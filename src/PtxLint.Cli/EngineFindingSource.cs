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
    private readonly CliContext _ctx;
    private AnalysisEngine _engine;

    public EngineFindingSource(CliContext ctx)
    {
        _ctx = ctx;
        _engine = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules, Parser = ctx.Parser ?? PtxParserDriver.Parse });
    }

    /// <summary>Also run this rule even when it is off by default (`confirm --rule PTX010`).</summary>
    public void Enable(string ruleId)
    {
        var select = _ctx.Rules.Where(r => r.Descriptor.EnabledByDefault || r.Descriptor.Id == ruleId).Select(r => r.Descriptor.Id).ToList();
        _engine = new AnalysisEngine(new AnalysisOptions { Rules = _ctx.Rules, Parser = _ctx.Parser ?? PtxParserDriver.Parse, Select = select });
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

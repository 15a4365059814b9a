using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Tests.Support;

/// <summary>Hand-made findings that use every SARIF feature the writer supports.</summary>
public static class SampleFindings
{
    public const string Ptx = """
        .version 8.0
        .target sm_90a
        .address_size 64

        .visible .entry saxpy(.param .u64 p0)
        {
            .reg .b32 %r<4>;
            mov.u32 %r1, %tid.x;
            ld.shared.u32 %r2, [%r1];
            bar.sync 0;
            ret;
        }
        """;

    public static (List<AnalyzedFile> Files, List<RuleDescriptor> Rules) Build(string srcRoot)
    {
        var kernels = Path.Combine(srcRoot, "build", "kernels.ptx");
        var source = new SourceText(Ptx);
        var cu = Path.Combine(srcRoot, "src", "saxpy.cu");
        var outside = "/opt/elsewhere/other.ptx";

        var r1 = Fakes.Descriptor("PTX101", "bad-thing", Level.Error);
        var r2 = Fakes.Descriptor("PTX102", "noted-thing", Level.Note);
        var r3 = Fakes.Descriptor("PTX103", "warned-thing", Level.Warning);

        Location At(int line, int col, int endCol) => new(kernels, new SourceSpan(line, col, line, endCol));

        var f1 = new Finding(r1, Level.Error, "Barrier in divergent code: bar.sync after a branch on %tid.x", At(10, 5, 16))
        {
            FunctionName = "saxpy",
            SourceLocation = new Location(cu, new SourceSpan(12, 3, 12, 4)),
            LineText = source.GetLine(10),
        };
        f1.InlinedAt.Add(new Location(cu, new SourceSpan(30, 5, 30, 6)));
        f1.Related.Add(new RelatedLocation(At(8, 5, 29), "%r1 comes from %tid.x here"));
        f1.CodeFlows.Add(new CodeFlow("The thread-dependent value reaches the branch", new[]
        {
            new FlowStep(At(8, 5, 29), "%tid.x is read"),
            new FlowStep(At(9, 5, 31), "it becomes an address"),
            new FlowStep(At(10, 5, 16), "the barrier"),
        }));
        f1.Properties["confirmed"] = true;
        f1.Properties["verdict"] = "hang";
        f1.Properties["threads"] = 128;
        f1.Properties["lanes"] = new[] { 1, 2, 3 };

        var f2 = new Finding(r2, Level.Note, "32-bit address into .shared", At(9, 5, 31)) { FunctionName = "saxpy", LineText = source.GetLine(9) };
        var f3 = new Finding(r3, Level.Warning, "suppressed thing", At(8, 5, 29))
        {
            FunctionName = "saxpy",
            LineText = source.GetLine(8),
            Suppression = new SuppressionInfo("inSource", "the host pads the buffer", new Location(kernels, new SourceSpan(7, 5, 7, 40))),
        };
        var f4 = new Finding(r3, Level.Warning, "module-level finding", new Location(kernels, new SourceSpan(2, 1, 2, 15))) { LineText = source.GetLine(2) };
        var f5 = new Finding(r3, Level.Warning, "a file outside the source root", new Location(outside, new SourceSpan(3, 1, 3, 5))) { LineText = "ret;" };

        var files = new List<AnalyzedFile>
        {
            new(kernels, source, new List<Finding> { f4, f3, f2, f1 }),
            new(outside, new SourceText("\n\nret;\n"), new List<Finding> { f5 }),
        };
        var rules = new List<RuleDescriptor> { SyntaxErrorRule.Descriptor, UnusedSuppressionRule.Descriptor, r1, r2, r3 };
        return (files, rules);
    }
}

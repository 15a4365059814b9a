using PtxLint.Analysis;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class IrPrinterTests
{
    [Fact]
    public void Prints_blocks_loops_divergence_deterministically()
    {
        var m = Parse(ControlFlowAnalysesTests.NestedLoops);
        var text = IrPrinter.Print(m, "loops");
        Assert.Contains(".entry loops", text);
        Assert.Contains("param 0 .u64 loops_param_0", text);
        Assert.Contains("loops:", text);
        Assert.Contains("header B", text);
        Assert.Contains("divergent branches:", text);
        Assert.Contains("@%p1 bra $L_inner;", text);
        Assert.Contains("idom:", text);
        Assert.Contains("control dependent on:", text);
        Assert.Equal(text, IrPrinter.Print(Parse(ControlFlowAnalysesTests.NestedLoops), "loops"));
        Assert.Contains("no function named nope", IrPrinter.Print(m, "nope"));
    }
}

using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Fuzzing;

/// <summary>
/// A test-only rule that asks every shared analysis about every function (CFG, dominators, post-dominators, loops,
/// control dependence, reaching definitions, uniformity with explanations, provenance, memory accesses) and reports
/// one note per divergent branch, so fuzzing exercises the analyses whatever rules the registry holds, and the
/// SARIF it produces has results with code flows and related locations.
/// </summary>
public sealed class AnalysesProbeRule : IRule
{
    public static readonly RuleDescriptor Probe = Fakes.Descriptor("PTX990", "analyses-probe", Level.Note);

    public RuleDescriptor Descriptor => Probe;

    public void Check(RuleContext context)
    {
        foreach (var fn in context.Module.Functions)
        {
            if (!fn.HasBody) continue;
            var a = fn.Analyses;
            var cfg = a.Cfg;
            _ = a.Dominators;
            _ = a.PostDominators;
            var loops = a.Loops;
            var cd = a.ControlDependence;
            foreach (var b in cfg.Blocks)
            {
                _ = cd.BranchesControlling(b);
                _ = cd.TransitiveBranchesControlling(b);
                _ = loops.LoopOf(b);
                _ = a.Dominators.ImmediateDominator(b);
                _ = a.Uniformity.IsInDivergentRegion(b);
            }
            int budget = 200; // keep the per-input cost bounded on big files
            foreach (var insn in fn.Instructions)
            {
                _ = insn.MemoryAccesses;
                _ = a.Uniformity.OfDef(insn);
                foreach (var d in insn.Defs) _ = a.Defs.UsesOf(insn, d.Name);
                if (budget-- <= 0) continue;
                foreach (var u in insn.Uses)
                {
                    _ = a.Defs.Reaching(insn, u.Name);
                    _ = a.Uniformity.OfUse(insn, u);
                    foreach (var s in a.Provenance.SourcesOf(insn, u)) _ = s.Path;
                }
                if (insn.Guard is not null && a.Uniformity.IsDivergentBranch(insn))
                {
                    var f = context.Report(insn, $"divergent branch in {fn.Name}");
                    var chain = a.Uniformity.Explain(insn, insn.Guard);
                    if (chain.Count > 0)
                    {
                        f.Related.Add(new RelatedLocation(chain[0].Location, "the thread-dependent value comes from here"));
                        f.CodeFlows.Add(new CodeFlow("the value reaches the branch",
                            chain.Select(c => new FlowStep(c.Location, c.Mnemonic)).ToArray()));
                    }
                }
            }
        }
    }
}

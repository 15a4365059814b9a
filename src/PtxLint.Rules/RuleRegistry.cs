using PtxLint.Engine;

namespace PtxLint.Rules;

/// <summary>Every rule of PtxLint.Rules, in id order. A new rule is one file plus one line here.</summary>
public static class RuleRegistry
{
    public static IReadOnlyList<IRule> All { get; } = new IRule[]
    {
        new PTX002BatchedKernelIgnoresCtaidY(),
        new PTX003IndirectPositionRead(),
        new PTX005BarrierInDivergentControl(),
    };
}

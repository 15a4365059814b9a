using PtxLint.Engine;

namespace PtxLint.Rules;

/// <summary>Every rule of PtxLint.Rules, in id order. A new rule is one file plus one line here.</summary>
public static class RuleRegistry
{
    public static IReadOnlyList<IRule> All { get; } = new IRule[]
    {
        new PTX001SharedAddress64Bit(),
        new PTX002BatchedKernelIgnoresCtaidY(),
        new PTX003IndirectPositionRead(),
        new PTX004TmemAddressWithoutAllocBase(),
        new PTX005BarrierInDivergentControl(),
        new PTX006SharedOutOfBounds(),
        new PTX007TmemAllocColumns(),
        new PTX008TmemLifecycle(),
        new PTX009FloatAtomicOrder(),
        new PTX010ContractibleMulAdd(),
        new PTX011SharedMemoryRace(),
        new PTX012SharedIndexedByBlock(),
        new PTX013InvalidPtx(),
    };
}

using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX001: a shared-state-space access (<c>ld/st/atom/red .shared</c>, <c>ldmatrix</c>, <c>cp.async</c> shared operands,
/// <c>mbarrier</c> on shared, <c>tcgen05.alloc</c> ...) whose address register is 64-bit.
/// <para>
/// The PTX ISA ("Addresses as Operands") zero-extends or truncates an address register to the width of the state
/// space's window, so a 64-bit register is legal; what it hides is a *generic* pointer converted with
/// <c>cvta.to.shared.u64</c> and kept 64-bit (hand-written inline PTX), which only works because of how today's GPUs lay out
/// the generic window. Old nvcc (nvopencc, NVVM 3.x/4.x) and LLVM without short pointers put a shared *symbol's*
/// address in a 64-bit register (<c>mov.u64 %rd, sdata</c>): that is a shared-window offset, zero-extended, and is well
/// defined, so it is reported only with the option <c>reportSymbolAddresses</c>.
/// </para>
/// </summary>
public sealed class PTX001SharedAddress64Bit : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX001",
        Name = "shared-address-64bit",
        ShortDescription = "64-bit register used as a shared-memory address",
        FullDescription = "A shared-state-space access (ld/st/atom/red .shared, ldmatrix, stmatrix, cp.async, mbarrier, tcgen05.alloc ...) " +
                          "takes its address from a 64-bit register, typically the result of cvta.to.shared.u64 of a generic pointer. " +
                          "Shared addresses live in a 32-bit window; PTX truncates the register. It works on today's GPUs but is not portable " +
                          "and differs from the 32-bit addressing nvcc emits.",
        DefaultLevel = Level.Warning,
        HelpText = "Keep shared addresses in 32-bit registers: cvta.to.shared.u32 (or cvt.u32.u64 after cvta.to.shared.u64), " +
                   "or mov.u32 %r, symbol; then use [%r] in the .shared access.",
        HelpMarkdown = RuleDocs.Load("PTX001"),
        Precision = "high",
        Tags = new[] { "portability", "correctness" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        bool reportSymbols = bool.TryParse(ctx.Option("reportSymbolAddresses", "false"), out var b) && b;
        foreach (var fn in ctx.Module.Functions)
        {
            if (!fn.HasBody) continue;
            foreach (var insn in fn.Instructions)
            {
                foreach (var access in insn.MemoryAccesses)
                {
                    if (!access.Space.IsShared()) continue;
                    var reg = access.Address.BaseRegister;
                    if (reg is null || reg.IsSpecial || fn.RegisterBits(reg) != 64) continue;
                    var origin = Trace(fn, insn, reg);
                    if (origin.Cvta.Count == 0 && (origin.Symbols.Count > 0 || origin.SharedParams.Count > 0) && !reportSymbols) continue;
                    Report(ctx, fn, insn, access, reg, origin);
                }
            }
        }
    }

    private sealed class Origin
    {
        /// <summary><c>cvta.to.shared{::cta,::cluster}.u64</c> instructions on the way to the address (source order).</summary>
        public List<Instruction> Cvta { get; } = new();
        /// <summary>Shared variables whose address the register is computed from (<c>mov.u64 %rd, sdata</c>: the old-compiler idiom).</summary>
        public List<string> Symbols { get; } = new();
        /// <summary>Kernel parameters declared <c>.ptr .shared</c> (OpenCL local-memory arguments as LLVM emits them).</summary>
        public List<string> SharedParams { get; } = new();
        /// <summary>True when a pointer comes from memory, a call, or a value live into the function (a parameter).</summary>
        public bool FromPointer { get; set; }
    }

    /// <summary>Walks the reaching definitions of the address register backwards (through arithmetic and conversions).</summary>
    private static Origin Trace(PtxFunction fn, Instruction at, RegisterOperand reg)
    {
        var result = new Origin();
        var defs = fn.Analyses.Defs;
        var seen = new HashSet<int>();
        var queue = new Queue<(Instruction At, string Reg)>();
        queue.Enqueue((at, reg.Name));
        while (queue.Count > 0)
        {
            var (use, name) = queue.Dequeue();
            if (defs.MayBeUndefined(use, name)) result.FromPointer = true; // a .reg parameter or live-in value
            foreach (var d in defs.Reaching(use, name))
            {
                if (!seen.Add(d.Index)) continue;
                if (d.Opcode == "cvta" && d.Has(".to") && d.Space.IsShared())
                {
                    if (d.Has(".u64") || d.Has(".b64")) result.Cvta.Add(d);
                    // cvta.to.shared.u32 yields a 32-bit shared address: fine, but keep tracing its input for the symbol.
                }
                if (d.Opcode == "ld" && d.MemoryAccesses is [{ Space: StateSpace.Param, Address.BaseSymbol: { } ps }]
                    && fn.FindParameter(ps) is { IsPointerAttr: true } p && p.PointeeSpace.IsShared())
                {
                    if (!result.SharedParams.Contains(ps)) result.SharedParams.Add(ps);
                    continue;
                }
                if (d.Info.Mem != Semantics.MemKind.None || d.Info.Flow == Semantics.FlowKind.Call || !d.Info.Known)
                {
                    result.FromPointer = true; // a pointer loaded from memory (or an index), a call result, an atomic ...
                    continue;
                }
                foreach (var op in d.Operands.Skip(d.Defs.Length > 0 ? 1 : 0))
                {
                    if (op is SymbolOperand s)
                    {
                        var v = fn.FindVariable(s.Name);
                        if (v is not null && v.Space.IsShared() && !result.Symbols.Contains(s.Name)) result.Symbols.Add(s.Name);
                    }
                }
                foreach (var u in d.Uses)
                {
                    if (ReferenceEquals(u, d.Guard)) continue;
                    if (u.IsSpecial) continue; // %tid.x in an index: arithmetic, not the base
                    queue.Enqueue((d, u.Name));
                }
            }
        }
        result.Cvta.Sort((x, y) => x.Index.CompareTo(y.Index));
        return result;
    }

    private static void Report(RuleContext ctx, PtxFunction fn, Instruction insn, MemoryAccess access, RegisterOperand reg, Origin origin)
    {
        string space = access.Space == StateSpace.SharedCluster ? ".shared::cluster" : ".shared";
        string what = origin.Cvta.Count > 0
            ? $"it holds the result of `{origin.Cvta[^1]}` (a generic pointer converted to a shared address but kept 64-bit)"
            : origin.Symbols.Count > 0
                ? $"it holds the address of shared variable {origin.Symbols[0]} widened to 64 bits (the old nvcc/LLVM idiom, reported because reportSymbolAddresses is on)"
                : origin.SharedParams.Count > 0
                    ? $"it holds the .ptr .shared parameter {origin.SharedParams[0]} (reported because reportSymbolAddresses is on)"
                    : "it holds a 64-bit pointer (from a parameter or memory), not a 32-bit shared address";
        string fix = origin.Cvta.Count > 0
            ? $"use `cvta.to.shared.u32` (or `cvt.u32.u64` of the cvta result) and a 32-bit register"
            : origin.Symbols.Count > 0
                ? $"use `mov.u32 %r, {origin.Symbols[0]}` and 32-bit address arithmetic"
                : "convert it with `cvta.to.shared.u32` / `cvt.u32.u64` first";
        var message =
            $"{insn.FullOpcode} in {fn.Name} addresses {space} memory through the 64-bit register {reg.Name}: {what}. " +
            $"Shared addresses are 32-bit offsets into the CTA's shared window; PTX silently truncates the register, which works on current GPUs " +
            $"but is not portable and differs from the 32-bit addressing nvcc emits. Fix: {fix}.";
        var f = ctx.Report(insn, message);
        foreach (var c in origin.Cvta)
            f.Related.Add(new RelatedLocation(c.Location, $"{c.FullOpcode} produces the 64-bit shared address {c.Defs.FirstOrDefault()?.Name}"));
        var twin = FindTwin(fn);
        if (twin is not null)
        {
            var (twinFn, twinInsn) = twin.Value;
            f.Related.Add(new RelatedLocation(twinInsn?.Location ?? twinFn.LocationOf(twinFn.NameSpan),
                $"twin kernel {twinFn.Name} uses 32-bit shared addresses" + (twinInsn is null ? "" : $" (`{twinInsn}`)")));
        }
        f.Properties["addressRegister"] = reg.Name;
        f.Properties["space"] = space;
        f.Data = new SharedAddress64BitData { AddressRegister = reg.Name, Space = space, TwinKernel = twin?.Fn.Name };
    }

    /// <summary>The name with <c>Batched</c>/<c>batched_</c>/<c>_batched</c> removed (case-insensitive), lower-cased.</summary>
    internal static string TwinKey(string name)
    {
        var n = name.ToLowerInvariant();
        foreach (var s in new[] { "_batched", "batched_", "batched" })
        {
            int i = n.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0) return n.Remove(i, s.Length);
        }
        return n;
    }

    /// <summary>A kernel of the module whose name differs by "batched" and whose shared accesses all use 32-bit registers or symbols.</summary>
    private static (PtxFunction Fn, Instruction? Access)? FindTwin(PtxFunction fn)
    {
        var key = TwinKey(fn.Name);
        foreach (var other in fn.Module.Functions)
        {
            if (other == fn || !other.HasBody || TwinKey(other.Name) != key) continue;
            if (!fn.Name.Contains("batched", StringComparison.OrdinalIgnoreCase) && !other.Name.Contains("batched", StringComparison.OrdinalIgnoreCase)) continue;
            Instruction? first32 = null;
            bool any64 = false, anyShared = false;
            foreach (var insn in other.Instructions)
                foreach (var a in insn.MemoryAccesses)
                {
                    if (!a.Space.IsShared()) continue;
                    anyShared = true;
                    var r = a.Address.BaseRegister;
                    if (r is not null && other.RegisterBits(r) == 64) any64 = true;
                    else if (r is not null && first32 is null) first32 = insn;
                }
            if (anyShared && !any64) return (other, first32);
        }
        return null;
    }
}

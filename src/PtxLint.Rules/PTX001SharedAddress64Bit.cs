using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

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
    public static readonly RuleOption<bool> ReportSymbolAddresses = RuleOptions.Boolean("reportSymbolAddresses", false,
        "Also report 64-bit registers that hold a shared variable's address (mov.u64 %rd, sdata) or a .ptr .shared parameter: the old-compiler idiom.");

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
        PerFunction = true,
        Analyses = new[] { "cfg", "dominators", "provenance", "reaching definitions", "register index" },
        HelpText = "Keep shared addresses in 32-bit registers: cvta.to.shared.u32 (or cvt.u32.u64 after cvta.to.shared.u64), " +
                   "or mov.u32 %r, symbol; then use [%r] in the .shared access.",
        HelpMarkdown = RuleDocs.Load("PTX001"),
        Precision = "high",
        Tags = new[] { "portability", "correctness" },
        Options = new RuleOption[] { ReportSymbolAddresses },
    };

    public RuleDescriptor Descriptor => Rule;

    /// <summary>What the 64-bit address register of a shared access holds.</summary>
    internal enum Form
    {
        /// <summary>A generic address (<c>cvta.shared.u64</c>, or a generic pointer) used as a shared address: wrong on every GPU.</summary>
        GenericAddress,
        /// <summary>The 64-bit result of <c>cvta.to.shared.u64</c> of a generic pointer.</summary>
        CvtaTo64,
        /// <summary>A 32-bit shared address zero-extended to 64 bits (<c>cvt.u64.u32</c>: an inline-asm <c>"l"</c> operand).</summary>
        Widened32,
        /// <summary>A shared variable's address kept in a 64-bit register (<c>mov.u64 %rd, smem</c>), where the module uses 32-bit shared addresses elsewhere.</summary>
        Symbol64Inconsistent,
        /// <summary>The same, in a module that uses the 64-bit convention throughout (old nvcc, LLVM without short pointers): only with <c>reportSymbolAddresses</c>.</summary>
        Symbol64,
        /// <summary>A <c>.ptr .shared</c> parameter (OpenCL local-memory arguments): only with <c>reportSymbolAddresses</c>.</summary>
        SharedParameter,
        /// <summary>A 64-bit pointer from a parameter or memory, with no shared-space conversion on the way.</summary>
        Pointer,
    }

    private sealed record Hit(Instruction Insn, MemoryAccess Access, RegisterOperand Reg, Form Form, Instruction? Origin, string? Symbol);

    /// <summary>Some shared access of the module uses a 32-bit address register.</summary>
    private static bool Module32(PtxModule module)
    {
        foreach (var fn in module.Functions)
        {
            if (!fn.HasBody) continue;
            foreach (var insn in fn.InstructionSpan)
                foreach (var a in insn.MemoryAccesses)
                    if (a.Space.IsShared() && a.Address.BaseRegister is { IsSpecial: false } r && fn.RegisterBits(r) == 32) return true;
        }
        return false;
    }

    public void Check(RuleContext ctx)
    {
        bool reportSymbols = ctx.Option(ReportSymbolAddresses);
        // Does any shared access of the module use a 32-bit address register? Then a 64-bit symbol address is an
        // inconsistency (a hand-written builder), not the module's convention.
        // (asked only when a 64-bit shared address turns up: the scan reads every access of the module)
        bool? module32 = null;
        foreach (var fn in ctx.Functions)
        {
            var hits = new List<Hit>();
            foreach (var insn in fn.InstructionSpan)
            {
                if (insn.Info.WideAddress) continue;
                foreach (var access in insn.MemoryAccesses)
                {
                    if (!access.Space.IsShared()) continue;
                    var reg = access.Address.BaseRegister;
                    if (reg is null || reg.IsSpecial || fn.RegisterBits(reg) != 64) continue;
                    module32 ??= ctx.ModuleFact("module32", () => Module32(ctx.Module));
                    var (form, origin, symbol) = Classify(fn, insn, access, module32.Value);
                    if (form is Form.Symbol64 or Form.SharedParameter && !reportSymbols) continue;
                    hits.Add(new Hit(insn, access, reg, form, origin, symbol));
                }
            }
            // One finding per access; the engine merges those of one form in one kernel (an inlined helper repeats the
            // same cvta for every call).
            foreach (var h in hits)
                Report(ctx, fn, h);
        }
    }

    /// <summary>
    /// Classifies the address by its provenance: the sources of the base register and the instruction chains from
    /// them. The last <c>cvta</c> on a chain decides the window (<c>cvta.shared</c> gives a generic address,
    /// <c>cvta.to.shared</c> a shared one); a shared variable's address that passed a 32-to-64-bit <c>cvt</c> was widened.
    /// </summary>
    private static (Form, Instruction?, string?) Classify(PtxFunction fn, Instruction insn, MemoryAccess access, bool module32)
    {
        var prov = fn.Analyses.Provenance;
        Form? best = null;
        Instruction? origin = null;
        string? symbol = null;
        void Take(Form f, Instruction? o, string? sym)
        {
            if (best is null || f < best) { best = f; origin = o; symbol = sym; }
        }
        foreach (var s in prov.SourcesOfAddress(insn, access.Address))
        {
            // The last conversion on the chain decides what the register holds.
            Instruction? lastCvta = null, widen = null;
            foreach (var step in s.Path)
            {
                if (step == insn) break;
                if (step.Opcode == "cvta" && step.Space.IsShared()) { lastCvta = step; widen = null; }
                else if (step.Opcode == "cvt" && step.Modifiers.Length >= 2 && Semantics.Types.BitWidth(step.Modifiers[^2]) == 64
                         && Semantics.Types.BitWidth(step.Modifiers[^1]) == 32) widen = step;
            }
            if (lastCvta is not null && !lastCvta.Has(".to")) { Take(Form.GenericAddress, lastCvta, null); continue; }
            if (lastCvta is not null && (lastCvta.Has(".u64") || lastCvta.Has(".b64")) && widen is null) { Take(Form.CvtaTo64, lastCvta, null); continue; }
            switch (s.Kind)
            {
                case ValueSourceKind.Symbol when s.Variable is { } v && v.Space.IsShared():
                    if (widen is not null) Take(Form.Widened32, widen, s.Name);
                    else Take(module32 ? Form.Symbol64Inconsistent : Form.Symbol64, s.Origin, s.Name);
                    break;
                case ValueSourceKind.Parameter when s.Parameter is { IsPointerAttr: true } p && p.PointeeSpace.IsShared():
                    Take(Form.SharedParameter, s.Origin, p.Name);
                    break;
                case ValueSourceKind.Parameter or ValueSourceKind.Load or ValueSourceKind.Opaque or ValueSourceKind.Undefined:
                    if (widen is not null && lastCvta is not null) Take(Form.Widened32, widen, null);
                    else if (lastCvta is null && widen is null) Take(Form.Pointer, s.Origin, null);
                    break;
            }
        }
        return (best ?? Form.Pointer, origin, symbol);
    }

    private static void Report(RuleContext ctx, PtxFunction fn, Hit first)
    {
        var insn = first.Insn;
        string access = $"`{RuleText.Code(insn)}`";
        string reg = $"`{first.Reg.Name}`";
        string origin = first.Origin is { } o ? $"`{o.FullOpcode}`" : "";
        string headline = first.Form switch
        {
            Form.GenericAddress => $"{access} uses the generic address from {origin} as a shared address",
            Form.CvtaTo64 => $"{access} uses a {origin} result as a shared address",
            Form.Widened32 => $"{access} uses a 32-bit shared address widened to 64 bits ({reg})",
            Form.Symbol64Inconsistent => $"{access} keeps shared `{first.Symbol}`'s address in 64-bit {reg}, unlike the rest of the module",
            Form.Symbol64 => $"{access} keeps the address of shared `{first.Symbol}` in 64-bit {reg}",
            Form.SharedParameter => $"{access} addresses shared memory through the 64-bit `.ptr .shared` parameter `{first.Symbol}`",
            _ => $"{access} addresses shared memory through {reg}, a 64-bit pointer from a parameter or memory",
        };
        var f = ctx.Report(insn, headline);
        if (first.Form == Form.GenericAddress && ctx.Level >= Level.Warning) f.Level = Level.Error;
        switch (first.Form)
        {
            case Form.GenericAddress:
                f.Notes.Add("A generic address is not an offset in the CTA's shared window: the access reads or writes the wrong place on every GPU " +
                            "(it happens to work where the generic shared window starts at 0, as on Hopper).");
                f.Help = "Use the generic address with a generic `ld`/`st` (no `.shared`), or convert it back with `cvta.to.shared.u32` and use the 32-bit result.";
                break;
            case Form.CvtaTo64:
                f.Notes.Add("Shared addresses are 32-bit offsets into the CTA's shared window; PTX truncates the 64-bit register. That works on current " +
                            "GPUs, but differs from the 32-bit addressing nvcc emits and hides where a generic pointer was meant.");
                f.Help = "Use `cvta.to.shared.u32` (or `cvt.u32.u64` of the result) and a 32-bit register for the address.";
                break;
            case Form.Widened32:
                f.Notes.Add($"The address was computed in 32 bits and zero-extended by {origin} (typical of an inline-asm \"l\" operand for a shared pointer); " +
                            "the access then truncates it again. Keep shared addresses 32-bit, as nvcc does.");
                f.Help = "Pass the shared address with an \"r\" operand (a 32-bit register) and keep the arithmetic 32-bit.";
                break;
            case Form.Symbol64Inconsistent:
                f.Notes.Add("Other shared accesses in this module use 32-bit address registers: this kernel (a hand-written builder, or a batched twin) " +
                            "departs from the module's convention.");
                f.Help = $"Use `mov.u32 %r, {first.Symbol}` and 32-bit address arithmetic, like the rest of the module.";
                break;
            case Form.Symbol64:
                f.Notes.Add("This module keeps shared addresses in 64-bit registers throughout (the old nvcc/LLVM convention); reported because reportSymbolAddresses is on.");
                f.Help = $"Use `mov.u32 %r, {first.Symbol}` and 32-bit address arithmetic.";
                break;
            case Form.SharedParameter:
                f.Notes.Add("Reported because reportSymbolAddresses is on.");
                f.Help = "Convert the parameter with `cvt.u32.u64` and address shared memory through a 32-bit register.";
                break;
            default:
                f.Notes.Add("Nothing on the way converts it to the shared window; a shared access expects a 32-bit offset into the CTA's shared memory.");
                f.Help = "Convert it with `cvta.to.shared.u32` (or `cvt.u32.u64` of a shared offset) first.";
                break;
        }
        if (first.Origin is { } org && org != insn)
            f.Related.Add(new RelatedLocation(org.Location, first.Form switch
            {
                Form.GenericAddress => $"`{RuleText.Code(org)}` produces a generic address",
                Form.CvtaTo64 => $"`{RuleText.Code(org)}` produces the 64-bit shared address",
                Form.Widened32 => $"`{RuleText.Code(org)}` widens the 32-bit shared address",
                _ => $"the address comes from `{RuleText.Code(org)}`",
            }));
        f.Cause = new FindingCause("form:" + first.Form, "access", "accesses",
            $"same cause: `{RuleText.Code(insn)}`" + (first.Origin is { } oo && oo != insn ? $" (address from `{RuleText.Code(oo)}`, line {oo.Span.StartLine})" : ""));
        var twin = FindTwin(fn);
        if (twin is not null)
        {
            var (twinFn, twinInsn) = twin.Value;
            f.Related.Add(new RelatedLocation(twinInsn?.Location ?? twinFn.LocationOf(twinFn.NameSpan),
                $"twin kernel {twinFn.Name} uses 32-bit shared addresses" + (twinInsn is null ? "" : $" (`{twinInsn}`)")));
        }
        f.Properties["addressRegister"] = first.Reg.Name;
        f.Properties["space"] = first.Access.Space == StateSpace.SharedCluster ? ".shared::cluster" : ".shared";
        f.Properties["form"] = first.Form.ToString();
        f.Data = new SharedAddress64BitData
        {
            AddressRegister = first.Reg.Name, Space = first.Access.Space == StateSpace.SharedCluster ? ".shared::cluster" : ".shared", TwinKernel = twin?.Fn.Name,
        };
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
            foreach (var insn in other.InstructionSpan)
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

using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// Store-to-load forwarding through the thread's own <c>.local</c> frame (a by-value parameter or a value the
/// compiler spilled: <c>st.local.u32 [__local_depot0+8], %r1; ... ld.local.u32 %r9, [__local_depot0+8]</c>, also
/// through the generic address <c>cvta.local.u64 %SP, %SPL</c>).
/// <para>
/// A load is forwarded from a store when both name the same slot (a local symbol plus a constant offset, the same
/// byte width), that store is the only access in the function that writes bytes of the slot, and it dominates the
/// load. Nothing else can write the slot when no address derived from the frame escapes (it is only used as a
/// memory address, in constant-offset arithmetic, in copies and in comparisons) and every write through a
/// frame-derived address has a known slot; otherwise no load of the function is forwarded.
/// </para>
/// </summary>
public sealed class LocalSlots
{
    private readonly Dictionary<int, Instruction> _forward = new();

    /// <summary>A slot: the local symbol and the byte range from <c>Offset</c>, <c>Bytes</c> long (0 = unknown width).</summary>
    private readonly record struct Slot(string Symbol, long Offset, int Bytes);

    public LocalSlots(FunctionAnalyses fa)
    {
        var fn = fa.Function;
        var insns = fn.Instructions;
        bool anyLocal = false;
        foreach (var v in fn.LocalSymbols.Values)
            if (v.Space == StateSpace.Local) { anyLocal = true; break; }
        if (!anyLocal)
            foreach (var v in fn.Module.Globals.Values)
                if (v.Space == StateSpace.Local) { anyLocal = true; break; }
        if (!anyLocal) return;

        var defs = fa.Defs;
        // Registers whose value is derived from a local symbol's address (flow-insensitive, by name).
        var derived = new HashSet<string>(StringComparer.Ordinal);
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var insn in insns)
            {
                if (insn.Defs.Length == 0) continue;
                bool src = false;
                for (int i = 1; i < insn.Operands.Count && !src; i++)
                    src = insn.Operands[i] switch
                    {
                        SymbolOperand s => IsLocalSymbol(fn, s.Name),
                        RegisterOperand r => !r.IsSpecial && derived.Contains(r.Name),
                        _ => false,
                    };
                if (!src) continue;
                foreach (var d in insn.Defs)
                    if (derived.Add(d.Name)) changed = true;
            }
        }

        // Escapes: a frame-derived register used other than as an address, in copies/arithmetic or comparisons.
        foreach (var insn in insns)
        {
            for (int i = 0; i < insn.Operands.Count; i++)
            {
                var op = insn.Operands[i];
                if (op is AddressOperand a)
                {
                    if (a.IndexRegister is { } ix && derived.Contains(ix.Name)) return;
                    foreach (var e in a.Extra)
                        foreach (var r in e.Registers())
                            if (derived.Contains(r.Name)) return;
                    continue;
                }
                bool uses = op switch
                {
                    RegisterOperand r => !r.IsSpecial && derived.Contains(r.Name),
                    SymbolOperand s => IsLocalSymbol(fn, s.Name),
                    _ => op.Registers().Any(r => derived.Contains(r.Name)),
                };
                if (!uses) continue;
                if (i == 0 && insn.Defs.Length > 0) continue; // the destination
                bool harmless = insn.Opcode is "mov" or "cvta" or "cvt" or "add" or "sub" or "setp" && insn.Defs.Length > 0;
                if (!harmless) return; // stored to memory, passed to a call, ...
            }
        }

        // Every access that may touch the frame, with its slot (null: unknown).
        var loads = new List<(Instruction Insn, Slot Slot)>();
        var writes = new List<(Instruction Insn, Slot? Slot)>();
        foreach (var insn in insns)
        {
            foreach (var m in insn.MemoryAccesses)
            {
                bool mayBeLocal = m.Space == StateSpace.Local
                                  || m.Space == StateSpace.Generic && (m.Address.BaseRegister is { } br && derived.Contains(br.Name)
                                                                     || m.Address.BaseSymbol is { } bs && IsLocalSymbol(fn, bs));
                if (!mayBeLocal) continue;
                var slot = SlotOf(fn, defs, insn, m, derived);
                if (m.Access is AccessKind.Write or AccessKind.ReadWrite || m.Access == AccessKind.None && insn.Info.Mem != MemKind.Prefetch)
                    writes.Add((insn, slot));
                if (m.Access == AccessKind.Read && slot is { } s && insn.Opcode is "ld" && insn.Defs.Length > 0)
                    loads.Add((insn, s));
            }
            if (insn.Info.Flow == FlowKind.Call) { /* a callee cannot see the frame: nothing escapes (checked above) */ }
        }
        foreach (var (w, s) in writes)
            if (s is null || s.Value.Bytes == 0) return; // a write the analysis cannot place: it may hit any slot

        var dom = fa.Dominators;
        var cfg = fa.Cfg;
        var loops = fa.Loops;
        foreach (var (load, ls) in loads)
        {
            Instruction? only = null;
            bool ok = true;
            foreach (var (w, ws) in writes)
            {
                var s = ws!.Value;
                if (s.Symbol != ls.Symbol || s.Offset + s.Bytes <= ls.Offset || ls.Offset + ls.Bytes <= s.Offset) continue;
                if (only is not null || s.Offset != ls.Offset || s.Bytes != ls.Bytes || w.Opcode != "st" || w.Guard is not null) { ok = false; break; }
                only = w;
            }
            if (!ok || only is null) continue;
            var sb = cfg.BlockOf(only);
            var lb = cfg.BlockOf(load);
            if (sb == lb ? only.Index > load.Index : !dom.Dominates(sb, lb)) continue;
            // The store runs once per visit of every loop around it that does not also hold the load.
            bool inLoopWithoutLoad = false;
            for (var l = loops.LoopOf(sb); l is not null; l = l.Parent)
                if (!l.Contains(lb)) { inLoopWithoutLoad = true; break; }
            if (inLoopWithoutLoad) continue;
            _forward[load.Index] = only;
        }
    }

    private static bool IsLocalSymbol(PtxFunction fn, string name) => fn.FindVariable(name) is { Space: StateSpace.Local };

    /// <summary>The slot an access names: a local symbol, directly or through a frame-derived register, plus constants.</summary>
    private static Slot? SlotOf(PtxFunction fn, ReachingDefinitions defs, Instruction insn, MemoryAccess m, HashSet<string> derived)
    {
        int bytes = m.Bytes;
        if (m.Address.BaseSymbol is { } sym)
            return IsLocalSymbol(fn, sym) ? new Slot(sym, m.Address.Offset, bytes) : null;
        if (m.Address.BaseRegister is not { } reg || reg.IsSpecial) return null;
        var b = BaseOf(fn, defs, insn, reg, derived, 0);
        return b is { } x ? new Slot(x.Symbol, x.Offset + m.Address.Offset, bytes) : null;
    }

    private static (string Symbol, long Offset)? BaseOf(PtxFunction fn, ReachingDefinitions defs, Instruction at, RegisterOperand reg, HashSet<string> derived, int depth)
    {
        if (depth > 16 || !derived.Contains(reg.Name)) return null;
        var d = defs.ReachingIndices(at, reg.Name);
        if (d.Length != 1 || d[0] < 0) return null;
        var def = fn.Instructions[d[0]];
        if (def.Guard is not null) return null;
        switch (def.Opcode)
        {
            case "mov" or "cvta" when def.Operands.Count == 2:
                return def.Operands[1] switch
                {
                    SymbolOperand s when IsLocalSymbol(fn, s.Name) => (s.Name, s.Offset),
                    RegisterOperand r when !r.IsSpecial => BaseOf(fn, defs, def, r, derived, depth + 1),
                    _ => null,
                };
            case "add" or "sub" when def.Operands.Count == 3 && def.Operands[1] is RegisterOperand r && def.Operands[2] is ImmediateOperand k:
                return BaseOf(fn, defs, def, r, derived, depth + 1) is { } b ? (b.Symbol, def.Opcode == "add" ? b.Offset + k.Value : b.Offset - k.Value) : null;
            case "add" when def.Operands.Count == 3 && def.Operands[1] is ImmediateOperand k2 && def.Operands[2] is RegisterOperand r2:
                return BaseOf(fn, defs, def, r2, derived, depth + 1) is { } b2 ? (b2.Symbol, b2.Offset + k2.Value) : null;
            default:
                return null;
        }
    }

    /// <summary>The store whose value <paramref name="load"/> reads back from the frame, or null.</summary>
    public Instruction? ForwardedStore(Instruction load) => _forward.TryGetValue(load.Index, out var s) ? s : null;

    /// <summary>Loads forwarded from stores, by load index.</summary>
    public IReadOnlyDictionary<int, Instruction> Forwarded => _forward;
}

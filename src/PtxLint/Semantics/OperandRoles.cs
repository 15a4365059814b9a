using PtxLint.Ir;

namespace PtxLint.Semantics;

/// <summary>Derives def/use roles and resolved memory accesses of an instruction from its table row.</summary>
internal static class OperandRoles
{
    private static bool IsDestinationShape(Operand op) =>
        op is RegisterOperand or VectorOperand or DualPredicateOperand or SinkOperand;

    /// <summary>Number of leading operands that are destinations.</summary>
    internal static int DestinationCount(Instruction insn)
    {
        var info = insn.Info;
        if (insn.Operands.Count == 0) return 0;
        if (info.Flow == FlowKind.Call)
            return insn.Operands.Count >= 2 && insn.Operands[0] is ParenListOperand ? 1 : 0;
        if (info.DstOptional)
            return IsDestinationShape(insn.Operands[0]) ? 1 : 0;
        if (info.DstCount == 0) return 0;
        // bar.red / barrier.red: dst first. Unknown ops: first operand when it is register-shaped and more operands follow.
        if (!info.Known)
            return insn.Operands.Count >= 2 && IsDestinationShape(insn.Operands[0]) ? 1 : 0;
        return IsDestinationShape(insn.Operands[0]) ? Math.Min(info.DstCount, insn.Operands.Count) : 0;
    }

    [ThreadStatic] private static List<RegisterOperand>? _scratch;

    internal static RegisterOperand[] ComputeDefs(Instruction insn)
    {
        int n = DestinationCount(insn);
        if (n == 0) return Array.Empty<RegisterOperand>();
        var list = _scratch ??= new List<RegisterOperand>(16);
        CollectDefs(insn, n, list);
        return list.Count switch { 0 => Array.Empty<RegisterOperand>(), 1 => list[0].Alone, _ => list.ToArray() };
    }

    internal static RegisterOperand[] ComputeUses(Instruction insn)
    {
        var list = _scratch ??= new List<RegisterOperand>(16);
        CollectUses(insn, DestinationCount(insn), list);
        return list.Count switch { 0 => Array.Empty<RegisterOperand>(), 1 => list[0].Alone, _ => list.ToArray() };
    }

    /// <summary>
    /// Appends the registers <paramref name="insn"/> reads (<see cref="ComputeUses"/>) to <paramref name="uses"/> at
    /// <paramref name="useCount"/> and those it writes (<see cref="ComputeDefs"/>) to <paramref name="defs"/> at
    /// <paramref name="defCount"/>, growing the arrays; the destinations are counted once for both.
    /// </summary>
    internal static void CollectUsesAndDefs(Instruction insn, ref RegisterOperand[] uses, ref int useCount, ref RegisterOperand[] defs, ref int defCount)
    {
        var list = _scratch ??= new List<RegisterOperand>(16);
        int n = DestinationCount(insn);
        if (n > 0)
        {
            CollectDefs(insn, n, list);
            Append(list, ref defs, ref defCount);
        }
        CollectUses(insn, n, list);
        Append(list, ref uses, ref useCount);
    }

    private static void Append(List<RegisterOperand> list, ref RegisterOperand[] flat, ref int count)
    {
        if (count + list.Count > flat.Length) Array.Resize(ref flat, Math.Max(count + list.Count, 2 * flat.Length));
        list.CopyTo(flat, count);
        count += list.Count;
    }

    /// <summary>The non-special registers of the first <paramref name="n"/> operands (the destinations), into <paramref name="list"/> (cleared first).</summary>
    private static void CollectDefs(Instruction insn, int n, List<RegisterOperand> list)
    {
        list.Clear();
        for (int i = 0; i < n; i++) insn.Operands[i].CollectRegisters(list);
        list.RemoveAll(static r => r.IsSpecial);
    }

    /// <summary>
    /// The registers <paramref name="insn"/> reads, its guard first, into <paramref name="list"/> (cleared first);
    /// <paramref name="n"/> is its <see cref="DestinationCount"/>.
    /// </summary>
    private static void CollectUses(Instruction insn, int n, List<RegisterOperand> list)
    {
        list.Clear();
        if (insn.Guard is not null) list.Add(insn.Guard);
        bool dstRead = insn.Info.DstAlsoRead || !insn.Info.Known;
        var ops = insn.Operands;
        for (int i = dstRead ? 0 : n; i < ops.Count; i++) ops[i].CollectRegisters(list);
    }

    internal static MemoryAccess[] ComputeMemoryAccesses(Instruction insn)
    {
        var ops = insn.Operands;
        int count = 0;
        for (int i = 0; i < ops.Count; i++)
            if (ops[i] is AddressOperand) count++;
        if (count == 0) return Array.Empty<MemoryAccess>();
        var info = insn.Info;
        // the state-space modifiers in order (no iterator, no list: most memory instructions have one address)
        var modifiers = insn.Modifiers;
        Span<StateSpace> spaceBuffer = modifiers.Length <= 16 ? stackalloc StateSpace[16] : new StateSpace[modifiers.Length];
        int spaceCount = 0;
        foreach (var m in modifiers)
        {
            var sp = StateSpaces.Parse(m);
            if (sp != StateSpace.None) spaceBuffer[spaceCount++] = sp;
        }
        var spaces = spaceBuffer[..spaceCount];
        var result = new MemoryAccess[count];
        int addrOrdinal = 0;
        for (int i = 0; i < ops.Count; i++)
        {
            if (ops[i] is not AddressOperand addr) continue;
            StateSpace space;
            if (addrOrdinal < spaces.Length) space = spaces[addrOrdinal];
            else if (spaces.Length > 0 && info.Mem != MemKind.Copy) space = spaces[0];
            else if (info.Mem == MemKind.Copy && addrOrdinal >= 2) space = StateSpace.Shared; // the mbarrier of a bulk copy
            else space = info.DefaultSpace != StateSpace.None ? info.DefaultSpace : StateSpace.Generic;
            if (info.DefaultSpace == StateSpace.TensorMemory && addrOrdinal == 0) space = StateSpace.TensorMemory;

            AccessKind access = info.Mem switch
            {
                MemKind.Load => AccessKind.Read,
                MemKind.Store => AccessKind.Write,
                MemKind.Atomic => AccessKind.ReadWrite,
                MemKind.Copy => addrOrdinal == 0 ? AccessKind.Write : addrOrdinal == 1 ? AccessKind.Read : AccessKind.ReadWrite,
                MemKind.Prefetch => AccessKind.None,
                _ => AccessKind.None,
            };
            if (info.Mem == MemKind.None && !info.Known) access = AccessKind.ReadWrite;
            int bytes = 0;
            if (info.Mem is MemKind.Load or MemKind.Store or MemKind.Atomic && insn.Opcode is "ld" or "st" or "ldu" or "atom" or "red")
                bytes = Types.ByteSize(insn.Type) * insn.VectorWidth;
            result[addrOrdinal++] = new MemoryAccess(addr, i, space, access, bytes);
        }
        return result;
    }
}

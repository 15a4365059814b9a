using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// What a function holds, from one pass over its instructions and no analysis: the opcodes (first words) and whether
/// it touches shared memory (a <c>.shared</c> state space, or an operand naming a shared
/// variable). Rules' declared prefilters (<see cref="Diagnostics.FunctionFilter"/>) ask it, so a function with no
/// barrier is never handed to the barrier rule and builds none of that rule's analyses.
/// </summary>
public sealed class FunctionFacts
{
    private readonly HashSet<string> _opcodes = new(StringComparer.Ordinal);
    private static int s_passes;

    public FunctionFacts(FunctionAnalyses analyses)
    {
        var fn = analyses.Function;
        bool sharedSpace = false;
        // instructions with one opcode text share one form, which knows its modifiers' state space: each form is
        // handled once (the pass marks it), not each instruction (its opcode hashed into the set)
        int pass = Interlocked.Increment(ref s_passes);
        if (pass == 0) pass = Interlocked.Increment(ref s_passes); // a fresh form's mark is 0 (after 2^32 passes)
        foreach (var insn in fn.InstructionSpan)
        {
            var form = insn.Form;
            if (form.SeenBy == pass) continue;
            form.SeenBy = pass;
            _opcodes.Add(form.Opcode);
            if (!sharedSpace && form.NamesSharedSpace) sharedSpace = true;
        }
        TouchesShared = sharedSpace || analyses.NamesSharedVariable;
    }

    /// <summary>Some instruction has this first word (<c>bar</c>, <c>tcgen05</c>, <c>atom</c>).</summary>
    public bool HasOpcode(string opcode) => _opcodes.Contains(opcode);

    /// <summary>Some instruction names the shared state space, or some operand names a shared variable.</summary>
    public bool TouchesShared { get; }
}

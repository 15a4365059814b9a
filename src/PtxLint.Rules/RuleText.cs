using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>How rules quote PTX in messages.</summary>
internal static class RuleText
{
    /// <summary>The instruction as written, without the final <c>;</c>: <c>bar.sync 0</c>.</summary>
    public static string Code(Instruction insn)
    {
        var s = insn.ToString();
        return s.EndsWith(';') ? s[..^1] : s;
    }

    /// <summary>"1 access", "3 accesses" ...</summary>
    public static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";
}

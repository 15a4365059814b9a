// STAND-IN: RuleRegistry.cs lands with the rules. PtxLint.Rules.csproj removes this file from the build as soon
// as RuleRegistry.cs exists; delete it then.
using PtxLint.Engine;

namespace PtxLint.Rules;

public static class RuleRegistry
{
    /// <summary>Every rule, in id order (none yet).</summary>
    public static IReadOnlyList<IRule> All { get; } = Array.Empty<IRule>();
}

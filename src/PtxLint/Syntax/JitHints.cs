using System.Runtime.CompilerServices;

namespace PtxLint.Syntax;

/// <summary>How the parser's hot methods are compiled.</summary>
internal static class JitHints
{
    /// <summary>
    /// The scanner's and the parser's inner loops: fully optimized from their first call, so a cold process parsing
    /// a large file does not run them as unoptimized tier-0 code first (measured: largest corpus file 0.62 to 0.57 s).
    /// A ReadyToRun build (publish with -p:PublishReadyToRun=true, which defines READY_TO_RUN) leaves them to the
    /// ahead-of-time compiler instead: methods marked AggressiveOptimization are never precompiled, and would be
    /// compiled at every start.
    /// </summary>
#if READY_TO_RUN
    public const MethodImplOptions Hot = 0;
#else
    public const MethodImplOptions Hot = MethodImplOptions.AggressiveOptimization;
#endif
}

// STAND-IN, not a parser: PtxParserDriver.cs (the ANTLR driver) lands from the parser branch. PtxLint.csproj
// removes this file from the build as soon as Syntax/PtxParserDriver.cs exists; delete it then.
using PtxLint.Ir;

namespace PtxLint.Syntax;

public static class PtxParserDriver
{
    /// <summary>Stand-in with the real signature: returns a module holding only the source text.</summary>
    public static PtxModule Parse(string filePath, string text) => new(filePath, new SourceText(text));
}

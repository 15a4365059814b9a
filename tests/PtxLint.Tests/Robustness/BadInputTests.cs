using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Fuzzing;
using PtxLint.Tests.Support;
using static PtxLint.Tests.Robustness.RobustHost;

namespace PtxLint.Tests.Robustness;

/// <summary>
/// Every kind of bad input through the real command line (real parser, in-process; a real process where a crash
/// would take the test host down): a clear message with file:line:column where one applies, exit 1 for findings
/// (syntax errors included), exit 2 for unreadable input or usage, never a stack trace.
/// </summary>
public sealed class BadInputTests
{
    private const string Header = ".version 8.0\n.target sm_90\n.address_size 64\n";

    private static IReadOnlyList<IRule> Rules => PtxLint.Rules.RuleRegistry.All.Append(new AnalysesProbeRule()).ToList();

    [Fact]
    public void Empty_file_is_a_syntax_error_at_1_1()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("empty.ptx", "");
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", f));
        Assert.Contains($"{f}:1:1: error PTX000: empty file", o);
        AssertNoStackTrace(e, o);
        Assert.Equal("", e);
    }

    [Fact]
    public void Binary_garbage_is_reported_not_crashed_on()
    {
        using var tmp = new TempDir();
        var rng = new Random(20240611);
        for (int i = 0; i < 8; i++)
        {
            var bytes = new byte[rng.Next(1, 64 * 1024)];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(tmp.Path, $"garbage{i}.ptx"), bytes);
        }
        Assert.Equal(1, RobustHost.Run(out var o, out var e, Rules, null, "analyze", tmp.Path));
        AssertNoStackTrace(e, o);
        Assert.Equal("", e);
        for (int i = 0; i < 8; i++) Assert.Contains($"garbage{i}.ptx:1:1: error PTX000", o);
        Assert.Contains("8 files", o);
    }

    [Fact]
    public void Invalid_utf8_is_decoded_with_replacement_and_its_first_byte_reported_at_line_and_column()
    {
        using var tmp = new TempDir();
        var f = Path.Combine(tmp.Path, "latin1.ptx");
        // Line 4 "// caf\xE9 ..." (Latin-1): the first invalid byte is column 7; a later syntax error is still found.
        var bytes = Encoding.ASCII.GetBytes(Header + "// caf").Concat(new byte[] { 0xE9 }).Concat(Encoding.ASCII.GetBytes(" x\n.entry k()\n{\n  mov ,, ;\n}\n")).ToArray();
        File.WriteAllBytes(f, bytes);
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", f));
        Assert.Contains($"{f}:4:7: error PTX000: invalid UTF-8: byte 0xE9 at offset {Header.Length + 6}", o);
        Assert.Contains($"{f}:7:7: error PTX000: unexpected ','", o);
        AssertNoStackTrace(e, o);

        // A truncated multi-byte sequence at the very end, after a CRLF line.
        File.WriteAllBytes(f, Encoding.ASCII.GetBytes(Header.Replace("\n", "\r\n") + "// x").Concat(new byte[] { 0xE2, 0x82 }).ToArray());
        Assert.Equal(1, RobustHost.Run(out o, out e, "analyze", f));
        Assert.Contains($"{f}:4:5: error PTX000: invalid UTF-8: byte 0xE2", o);
        AssertNoStackTrace(e, o);
    }

    private const string WithError = ".entry k()\n{\n\t.reg .b32 %r<3>;\n\tmov.u32 %r1 ,, ;\n\tret;\n}\n";

    /// <summary>The syntax error of <see cref="WithError"/>: line 7, column 15 (tab = one column).</summary>
    private static string ErrorAt(string f) => $"{f}:7:15: error PTX000:";

    [Fact]
    public void Utf8_bom_does_not_move_positions()
    {
        using var tmp = new TempDir();
        var f = Path.Combine(tmp.Path, "bom.ptx");
        File.WriteAllBytes(f, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Header + WithError)).ToArray());
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", f));
        Assert.Contains(ErrorAt(f), o);
        Assert.DoesNotContain("invalid UTF-8", o);
        AssertNoStackTrace(e, o);

        // UTF-16 with a BOM is decoded too.
        File.WriteAllBytes(f, new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(Header + WithError)).ToArray());
        Assert.Equal(1, RobustHost.Run(out o, out e, "analyze", f));
        Assert.Contains(ErrorAt(f), o);
    }

    [Theory]
    [InlineData("lf", "\n")]
    [InlineData("crlf", "\r\n")]
    [InlineData("cr", "\r")]
    [InlineData("mixed", "mixed")]
    public void Line_ends_lf_crlf_cr_and_mixed_keep_line_and_column_right(string name, string eol)
    {
        using var tmp = new TempDir();
        var lines = (Header + WithError).TrimEnd('\n').Split('\n');
        var mixed = new[] { "\r\n", "\n", "\r", "\n", "\r\n", "\r", "\r\n", "\n", "\r" };
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Length; i++) sb.Append(lines[i]).Append(eol == "mixed" ? mixed[i % mixed.Length] : eol);
        var f = tmp.Write(name + ".ptx", sb.ToString());
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", f));
        Assert.Contains(ErrorAt(f), o);
        Assert.Contains("\tmov.u32 %r1 ,, ;\n", o); // the line shown without its line end
        AssertNoStackTrace(e, o);
    }

    /// <summary>
    /// Unterminated block comments and quotes by the hundred thousand: each used to search to the end of the text
    /// (or line) again, so 2 MB of "/*" ran past a minute. Scanner and splitter remember what the first search found.
    /// Also tens of thousands of blocks that define the same label (inline asm expanded many times).
    /// </summary>
    [Fact]
    public void Unterminated_comments_quotes_and_repeated_block_labels_by_the_ten_thousand_are_linear()
    {
        using var tmp = new TempDir();
        var inputs = new Dictionary<string, string>
        {
            ["comments"] = Header + string.Concat(Enumerable.Repeat("/* x ", 400_000)),
            ["mixed"] = Header + ".entry k()\n{\n" + string.Concat(Enumerable.Repeat("ret; /* x */ ", 100_000)) + "\n}\n" + string.Concat(Enumerable.Repeat("/* y ", 200_000)),
            ["quotes"] = Header + string.Concat(Enumerable.Repeat("\"\\", 400_000)) + "\n",
            // 50,000 inline-asm-style blocks defining the same label, plus one error: renaming each block's label
            // used to try every earlier suffix again (30,000 blocks took 43 s)
            ["labels"] = Header + ".entry k()\n{\n" + string.Concat(Enumerable.Repeat("{ L: bra L; }\n", 50_000)) + "mov ,, ;\n}\n",
        };
        foreach (var (name, text) in inputs)
        {
            var f = tmp.Write(name + ".ptx", text);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", f));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"{name}: took {sw.Elapsed}");
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(f)}:\d+:\d+: error PTX000: ", o);
            AssertNoStackTrace(e, o);
        }
    }

    [Fact]
    public void One_megabyte_single_line_is_analyzed_with_the_right_column()
    {
        using var tmp = new TempDir();
        const int pad = 1 << 20;
        var f = tmp.Write("long.ptx", Header + ".entry k()\n{\n" + new string(' ', pad) + "mov ,, ;\n}\n");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1, RobustHost.Run(out var o, out var e, Rules, null, "analyze", f, "--format", "json"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Contains("\"line\": 6", o);
        Assert.Contains($"\"column\": {pad + 5}", o);
        AssertNoStackTrace(e, o);

        // One 1 MB line of instructions (no line breaks at all).
        var body = string.Concat(Enumerable.Repeat("add.s32 %r1, %r1, 1; ", (1 << 20) / 22));
        f = tmp.Write("long2.ptx", Header + ".entry k() { .reg .b32 %r<2>; mov.u32 %r1, 0; " + body + " ret; }");
        Assert.Equal(0, RobustHost.Run(out o, out e, Rules, null, "analyze", f));
        AssertNoStackTrace(e, o);
    }

    /// <summary>10,000 empty nested blocks: valid PTX (or, with a nesting limit, a clean error); never a crash. A real process: a stack overflow must not take the test host down.</summary>
    [Fact]
    public void Ten_thousand_nested_empty_blocks_finish_cleanly()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("nest.ptx", Header + ".entry k()\n" + new string('{', 10_000) + new string('}', 10_000) + "\n");
        var (rc, o, e) = Exec(null, 120, "analyze", f);
        Assert.True(rc is 0 or 1, $"exit {rc}\n{e}");
        AssertNoStackTrace(e, o);
    }

    /// <summary>
    /// 10,000 nested braces with statements, a syntax error inside, or never closed: the parser reports nesting
    /// deeper than PtxParserDriver.MaxNesting as PTX000 instead of overflowing the stack.
    /// </summary>
    [Fact]
    public void Ten_thousand_nested_braces_give_a_clean_nested_too_deep_error()
    {
        using var tmp = new TempDir();
        var inputs = new Dictionary<string, string>
        {
            ["statements"] = Header + ".entry k()\n" + string.Concat(Enumerable.Repeat("{ ret; ", 10_000)) + new string('}', 10_000) + "\n",
            ["error"] = Header + ".entry k()\n" + string.Concat(Enumerable.Repeat("{ ret;\n", 10_000)) + " mov ,, ;\n" + new string('}', 10_000) + "\n",
            ["unclosed"] = Header + ".entry k()\n" + new string('{', 10_000) + "\n",
            ["deep"] = Header + ".entry k()\n" + new string('{', 100_000) + new string('}', 100_000) + "\n",
        };
        foreach (var (name, text) in inputs)
        {
            var f = tmp.Write(name + ".ptx", text);
            var (rc, o, e) = Exec(null, 120, "analyze", f);
            Assert.True(rc == 1, $"{name}: exit {rc}\n{e}\n{o[..Math.Min(o.Length, 2000)]}");
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(f)}:\d+:\d+: error PTX000: .*nest", o);
            AssertNoStackTrace(e, o);
        }
    }

    [Fact]
    public void A_real_kernel_cut_at_every_statement_boundary_gives_a_clean_result()
    {
        var path = Path.Combine(Repo.Samples, "PTX001-shared-address-64bit.bad.ptx");
        var text = File.ReadAllText(path);
        var cuts = new SortedSet<int> { 0, text.Length };
        for (int i = 0; i < text.Length; i++)
            if (text[i] is ';' or '{' or '}' or '\n' or ')') cuts.Add(i + 1);
        Assert.True(cuts.Count > 200, $"{cuts.Count} cut points");

        var engine = new AnalysisEngine(new AnalysisOptions { Rules = Rules });
        foreach (var cut in cuts)
        {
            var notes = new List<ToolNotification>();
            var file = engine.AnalyzeText($"cut{cut}.ptx", text[..cut], null, notes);
            Assert.True(notes.Count == 0, $"cut at {cut}: " + string.Join("\n", notes.Select(n => n.Message + "\n" + n.Exception)));
            if (cut < text.Length && cut > 0) Assert.NotNull(file);
        }

        // The command line over a directory of every 10th cut: exit 1 (syntax errors), messages, no trace.
        using var tmp = new TempDir();
        int k = 0;
        foreach (var cut in cuts) if (k++ % 10 == 0) tmp.Write($"cut{cut:D6}.ptx", text[..cut]);
        var rc = RobustHost.Run(out var o, out var e, Rules, null, "analyze", tmp.Path);
        Assert.Equal(1, rc);
        Assert.Contains("error PTX000", o);
        Assert.Equal("", e);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void Unterminated_comment_and_string_are_syntax_errors_at_their_start()
    {
        using var tmp = new TempDir();
        var c = tmp.Write("comment.ptx", Header + "/* never closed\n.entry k()\n{\n\tret;\n}\n");
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", c));
        Assert.Contains($"{c}:4:1: error PTX000:", o);
        AssertNoStackTrace(e, o);

        var s = tmp.Write("string.ptx", Header + ".entry k()\n{\n\t.reg .b32 %r<2>;\n\tmov.u32 %r1, \"abc;\n\tret;\n}\n");
        Assert.Equal(1, RobustHost.Run(out o, out e, "analyze", s));
        Assert.Contains($"{s}:7:15: error PTX000:", o);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void Branch_to_an_undeclared_label_is_reported()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("label.ptx", Header + ".entry k()\n{\n\tbra MISSING;\n\tret;\n}\n");
        Assert.Equal(1, RobustHost.Run(out var o, out var e, Rules, null, "analyze", f));
        Assert.Contains($"{f}:6:6: error PTX000: branch to undefined label 'MISSING'", o);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void Undeclared_registers_and_duplicate_labels_do_not_crash_the_analyses()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("dup.ptx", Header + ".entry k()\n{\n\t.reg .pred %p<2>;\n\tmov.u32 %r9, %tid.x;\n\tsetp.eq.u32 %p1, %r9, 0;\nL1:\n\t@%p1 bra L1;\nL1:\n\tbra L1;\n\tret;\n}\n");
        var rc = RobustHost.Run(out var o, out var e, Rules, null, "analyze", f);
        Assert.True(rc is 0 or 1, e);
        Assert.Equal("", e);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void Duplicate_labels_are_reported()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("dup.ptx", Header + ".entry k()\n{\nL1:\n\tret;\nL1:\n\tret;\n}\n");
        Assert.Equal(1, RobustHost.Run(out var o, out _, "analyze", f));
        Assert.Contains($"{f}:8:1: error PTX000:", o);
    }

    [Fact]
    public void A_directory_expands_to_the_ptx_files_inside_and_one_without_any_is_a_clear_error()
    {
        using var tmp = new TempDir();
        tmp.Write("tree/a.ptx", Header);
        tmp.Write("tree/sub/deeper/b.PTX", Header + "SYNTAX\n");
        tmp.Write("tree/notes.txt", "not PTX");
        Assert.Equal(1, RobustHost.Run(out var o, out var e, "analyze", Path.Combine(tmp.Path, "tree")));
        Assert.Contains("2 files", o);
        Assert.Contains("b.PTX:4:1: error PTX000", o);
        Assert.Equal("", e);

        Directory.CreateDirectory(Path.Combine(tmp.Path, "none", "sub"));
        tmp.Write("none/sub/readme.md", "x");
        var none = Path.Combine(tmp.Path, "none");
        Assert.Equal(2, RobustHost.Run(out o, out e, "analyze", none));
        Assert.Contains($"ptxlint: error: no *.ptx files in directory '{none}'", e);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void A_missing_path_is_exit_2_and_the_other_files_are_still_analyzed()
    {
        using var tmp = new TempDir();
        var ok = tmp.Write("ok.ptx", Header + "SYNTAX\n");
        var missing = Path.Combine(tmp.Path, "missing.ptx");
        Assert.Equal(2, RobustHost.Run(out var o, out var e, "analyze", missing, ok));
        Assert.Contains($"ptxlint: error: cannot read '{missing}': No such file or directory", e);
        Assert.Contains("ok.ptx:4:1: error PTX000", o);
        AssertNoStackTrace(e, o);
    }

    /// <summary>
    /// The same unreadable-input path as root, where chmod cannot produce it: /proc/self/mem opens but every read at
    /// offset 0 fails with an I/O error (Linux).
    /// </summary>
    [UnixFact]
    public void A_file_whose_read_fails_is_exit_2_with_a_clear_message()
    {
        const string path = "/proc/self/mem";
        if (!File.Exists(path)) { Assert.False(OperatingSystem.IsLinux(), "/proc/self/mem exists on Linux"); return; }
        Assert.Equal(2, RobustHost.Run(out var o, out var e, "analyze", path));
        Assert.Contains($"ptxlint: error: cannot read '{path}'", e);
        AssertNoStackTrace(e, o);
    }

    [NotRootFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
    public void An_unreadable_file_is_exit_2_permission_denied()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("locked.ptx", Header);
        File.SetUnixFileMode(f, UnixFileMode.None);
        Assert.Equal(2, RobustHost.Run(out var o, out var e, "analyze", f));
        Assert.Contains($"ptxlint: error: cannot read '{f}': Permission denied", e);
        AssertNoStackTrace(e, o);
    }

    [UnixFact]
    public void Symlink_loops_under_a_directory_terminate_with_a_clear_message()
    {
        using var tmp = new TempDir();
        var dir = Path.Combine(tmp.Path, "tree");
        tmp.Write("tree/good.ptx", Header);
        tmp.Write("tree/sub/also.ptx", Header);
        File.CreateSymbolicLink(Path.Combine(dir, "self"), ".");                 // tree/self -> tree
        File.CreateSymbolicLink(Path.Combine(dir, "sub", "up"), "..");          // tree/sub/up -> tree
        File.CreateSymbolicLink(Path.Combine(dir, "a"), "b");                   // a -> b -> a
        File.CreateSymbolicLink(Path.Combine(dir, "b"), "a");
        var loopFile = Path.Combine(dir, "loop.ptx");
        File.CreateSymbolicLink(loopFile, "loop.ptx");                          // a *.ptx link to itself

        var (rc, o, e) = Exec(null, 120, "analyze", dir);
        Assert.Equal(2, rc);
        Assert.Contains("2 files", o); // good.ptx and sub/also.ptx, once each: linked directories are not followed
        Assert.Contains($"ptxlint: error: cannot read '{loopFile}': ", e);
        Assert.Contains("symbolic links", e);
        AssertNoStackTrace(e, o);
    }

    [Fact]
    public void A_500_MB_file_is_refused_with_a_clear_message_not_read()
    {
        using var tmp = new TempDir();
        var f = Path.Combine(tmp.Path, "huge.ptx");
        using (var fs = File.Open(f, FileMode.CreateNew)) fs.SetLength(500L * 1024 * 1024); // sparse: nothing written
        var small = tmp.Write("small.ptx", Header + "SYNTAX\n");
        Assert.Equal(2, RobustHost.Run(out var o, out var e, "analyze", f, small));
        Assert.Contains($"ptxlint: error: '{f}' is 500 MB, larger than --max-file-size 256 MB", e);
        Assert.Contains("small.ptx:4:1: error PTX000", o);
        AssertNoStackTrace(e, o);

        // A lower limit on the command line, with units.
        var two = Path.Combine(tmp.Path, "two.ptx");
        using (var fs = File.Open(two, FileMode.CreateNew)) fs.SetLength(2L * 1024 * 1024);
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", two, "--max-file-size", "1"));
        Assert.Contains($"ptxlint: error: '{two}' is 2 MB, larger than --max-file-size 1 MB", e);
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", two, "--max-file-size", "1536K"));
        Assert.Contains("larger than --max-file-size 1.5 MB", e);
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", two, "--max-file-size", "lots"));
        Assert.Contains("ptxlint: error: invalid --max-file-size 'lots'", e);
    }

    [Fact]
    public void A_symbolic_link_counts_as_the_file_it_points_to()
    {
        using var tmp = new TempDir();
        var two = Path.Combine(tmp.Path, "two.bin");
        using (var fs = File.Open(two, FileMode.CreateNew)) fs.SetLength(2L * 1024 * 1024);
        var link = Path.Combine(tmp.Path, "link.ptx");
        File.CreateSymbolicLink(link, two);
        // the limit applies to the 2 MB target, not to the link's few bytes
        Assert.Equal(2, RobustHost.Run(out _, out var e, "analyze", link, "--max-file-size", "1"));
        Assert.Contains($"ptxlint: error: '{link}' is 2 MB, larger than --max-file-size 1 MB", e);
        // and --stats counts the target's bytes
        var good = tmp.Write("good.ptx", Header + ".visible .entry k()\n{\n    ret;\n}\n");
        var goodLink = Path.Combine(tmp.Path, "good-link.ptx");
        File.CreateSymbolicLink(goodLink, good);
        RobustHost.Run(out _, out e, "analyze", goodLink, "--stats");
        Assert.Contains($"1 file, {new FileInfo(good).Length} bytes", e);
    }

    [Fact]
    public void MaxFileSize_in_ptxlint_json_applies_and_the_command_line_overrides_it()
    {
        using var tmp = new TempDir();
        var cfg = tmp.Write("proj/ptxlint.json", """{ "maxFileSize": 1 }""");
        var two = Path.Combine(tmp.Path, "proj", "two.ptx");
        using (var fs = File.Open(two, FileMode.CreateNew)) fs.SetLength(2L * 1024 * 1024);
        Assert.Equal(2, RobustHost.Run(out _, out var e, "analyze", two));
        Assert.Contains($"ptxlint: error: '{two}' is 2 MB, larger than maxFileSize 1 MB (set in '{cfg}')", e);
        // The command line wins: 3 MB lets the (all-zero, so invalid) file be read and reported as PTX000.
        Assert.Equal(1, RobustHost.Run(out var o, out e, "analyze", two, "--max-file-size", "3MB"));
        Assert.Contains("error PTX000", o);
        AssertNoStackTrace(e, o);

        File.WriteAllText(cfg, """{ "maxFileSize": "big" }""");
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", two));
        Assert.Contains("'maxFileSize' must be a size in MB", e);
    }
}

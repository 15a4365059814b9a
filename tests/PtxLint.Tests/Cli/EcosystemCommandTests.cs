using System.IO.Compression;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cli;

/// <summary><c>ptxlint ecosystem</c> through the real CLI on a two-file corpus (one plain, one gzipped).</summary>
public class EcosystemCommandTests
{
    private const string Bad = """
        .version 8.7
        .target sm_90a
        .address_size 64
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<2>;
            .shared .align 4 .f32 total;
            .reg .f32 %f<2>;
            mov.u32 %r1, %tid.x;
            setp.gt.u32 %p1, %r1, 31;
            @%p1 bra REST;
            bar.sync 0;
            st.shared.f32 [total], %f1;
        REST:
            ld.shared.f32 %f1, [total];
            ret;
        }
        """;

    [Fact]
    public void Update_writes_a_baseline_that_the_next_run_matches_and_a_new_finding_fails()
    {
        var dir = Directory.CreateTempSubdirectory("ptxlint-eco").FullName;
        try
        {
            var corpus = Directory.CreateDirectory(Path.Combine(dir, "corpus")).FullName;
            File.WriteAllText(Path.Combine(corpus, "a.ptx"), Bad);
            using (var gz = new GZipStream(File.Create(Path.Combine(corpus, "b.ptx.gz")), CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz)) w.Write(Bad.Replace("entry k(", "entry k2("));
            var baseline = Path.Combine(dir, "baseline.tsv");
            var reasons = Path.Combine(dir, "reasons.tsv");
            File.WriteAllText(reasons, "PTX005\terror\tcontinue\t*\ttrue: warps 1.. read total while thread 0 writes it\n" +
                                       "PTX011\terror\tRAW-cross-warp\t*\ttrue: the race PTX005 names, seen from the shared accesses\n");

            int rc = CliTestHost.RunReal(PtxLint.Rules.RuleRegistry.All, out var o, out var e, "ecosystem", corpus, "--baseline", baseline, "--reasons", reasons, "--update");
            Assert.True(rc == 0, o + e);
            Assert.Contains("PTX005   error            0         2", o);
            var lines = File.ReadAllLines(baseline).Where(l => !l.StartsWith('#') && !l.StartsWith("file\t")).ToList();
            Assert.Equal(new[] { "a.ptx\tk\tPTX005\terror\tcontinue\t1\ttrue: warps 1.. read total while thread 0 writes it",
                                 "a.ptx\tk\tPTX011\terror\tRAW-cross-warp\t1\ttrue: the race PTX005 names, seen from the shared accesses",
                                 "b.ptx.gz\tk2\tPTX005\terror\tcontinue\t1\ttrue: warps 1.. read total while thread 0 writes it",
                                 "b.ptx.gz\tk2\tPTX011\terror\tRAW-cross-warp\t1\ttrue: the race PTX005 names, seen from the shared accesses" }, lines);

            Assert.Equal(0, CliTestHost.RunReal(PtxLint.Rules.RuleRegistry.All, out o, out _, "ecosystem", corpus, "--baseline", baseline));
            Assert.Contains("0 new, 0 gone", o);

            File.WriteAllText(Path.Combine(corpus, "c.ptx"), Bad.Replace("entry k(", "entry k3("));
            File.Delete(Path.Combine(corpus, "a.ptx"));
            Assert.Equal(1, CliTestHost.RunReal(PtxLint.Rules.RuleRegistry.All, out o, out _, "ecosystem", corpus, "--baseline", baseline));
            Assert.Contains("+ c.ptx\tk3\tPTX005\terror\tcontinue\t1", o);
            Assert.Contains("- a.ptx\tk\tPTX005\terror\tcontinue\t1", o);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_missing_corpus_or_a_malformed_baseline_is_exit_2()
    {
        Assert.Equal(2, CliTestHost.RunReal(PtxLint.Rules.RuleRegistry.All, out _, out var e, "ecosystem", "/nonexistent/corpus"));
        Assert.Contains("cannot read '/nonexistent/corpus'", e);
        var dir = Directory.CreateTempSubdirectory("ptxlint-eco").FullName;
        try
        {
            var bad = Path.Combine(dir, "b.tsv");
            File.WriteAllText(bad, "only\ttwo\n");
            Assert.Equal(2, CliTestHost.RunReal(PtxLint.Rules.RuleRegistry.All, out _, out e, "ecosystem", dir, "--baseline", bad));
            Assert.Contains("b.tsv:1: expected 7 tab-separated fields", e);
        }
        finally { Directory.Delete(dir, true); }
    }
}

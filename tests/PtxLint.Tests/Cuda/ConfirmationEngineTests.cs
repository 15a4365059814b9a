using System.Diagnostics;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;
using PtxLint.Diagnostics;

namespace PtxLint.Tests.Cuda;

/// <summary>The engine end to end with a fake worker (a shell script speaking the worker protocol): no GPU needed.</summary>
public class ConfirmationEngineTests
{
    private const string FakeDevice = "{\"name\":\"Fake H100\",\"major\":9,\"minor\":0,\"driverVersion\":13000,\"deviceCount\":1}";

    private const string Never = "\"label\":\"never\"";

    /// <summary>
    /// A worker that hangs when the request holds <paramref name="hangOn"/>, crashes on <paramref name="crashOn"/>, else
    /// answers ok. The watchdog is short (3 s) only where a run is meant to hang; elsewhere it is long, so that a
    /// loaded machine starting /bin/sh slowly does not turn an answer into a timeout.
    /// </summary>
    private static ConfirmationEngine Engine(string hangOn = Never, string crashOn = Never, TimeSpan? timeout = null)
    {
        var script = $$"""
            req=$(cat)
            case "$req" in *'{{hangOn}}'*) sleep 1000 ;; esac
            case "$req" in *'{{crashOn}}'*) kill -SEGV $$ ;; esac
            echo 'PTXLINT-RESULT: {"ok":true,"deviceInfo":{{FakeDevice}},"launches":[]}'
            """;
        var client = new WorkerClient(new CommandWorkerLauncher("/bin/sh", "-c", script), sanitizerPath: null);
        return new ConfirmationEngine(new ConfirmOptions { Timeout = timeout ?? TimeSpan.FromSeconds(hangOn == Never ? 60 : 3), UseSanitizer = false, DriverCheck = () => null }, client);
    }

    [Fact]
    public async Task Without_a_driver_every_finding_is_unsupported_with_the_reason()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var findings = new List<Finding> { TestPtx.Finding("PTX002", "rmsnorm_batched"), TestPtx.Finding("PTX009", "saxpy"), TestPtx.Finding("PTX999", "saxpy") };
        var engine = new ConfirmationEngine(new ConfirmOptions { DriverCheck = () => "no CUDA driver (libcuda.so.1 not found)" });
        var results = await engine.ConfirmAsync(module, findings);
        Assert.Equal(2, results.Count); // PTX999 is not confirmable
        Assert.All(results, r => Assert.Equal(Verdict.Unsupported, r.Confirmation.Verdict));
        Assert.All(results, r => Assert.Equal("no CUDA driver (libcuda.so.1 not found)", r.Confirmation.Reason));
        Assert.Equal("unsupported", ((Dictionary<string, string>)findings[0].Properties["confirmation"]!)["verdict"]);
        Assert.False(findings[2].Properties.ContainsKey("confirmation"));
    }

    [Fact]
    public async Task Ptx005_hang_is_confirmed_and_the_parent_goes_on()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var findings = new List<Finding> { TestPtx.Finding("PTX005", "saxpy"), TestPtx.Finding("PTX002", "saxpy") };
        var sw = Stopwatch.StartNew();
        var results = await Engine(hangOn: "\"label\":\"plain\"").ConfirmAsync(module, findings);
        Assert.Equal(Verdict.Confirmed, results[0].Confirmation.Verdict);
        Assert.Contains("hung", results[0].Confirmation.Reason);
        Assert.Contains("device: Fake H100 (sm_90, driver CUDA 13.0)", results[0].Confirmation.Evidence);
        Assert.Contains("assumed", results[0].Confirmation.Evidence);
        // the next experiment still ran (and got an answer without the launches it asked for)
        Assert.NotEqual(Verdict.Confirmed, results[1].Confirmation.Verdict);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), sw.Elapsed.ToString());
    }

    [Fact]
    public async Task A_hang_where_the_rule_predicts_none_is_an_error_timeout()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var results = await Engine(hangOn: "\"label\":\"rows=1\"").ConfirmAsync(module, [TestPtx.Finding("PTX002", "rmsnorm_batched")]);
        var c = Assert.Single(results).Confirmation;
        Assert.Equal(Verdict.Error, c.Verdict);
        Assert.StartsWith("timeout:", c.Reason);
    }

    [Fact]
    public async Task A_crashing_worker_is_an_error_verdict()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var results = await Engine(crashOn: "\"label\":\"runs\"").ConfirmAsync(module, [TestPtx.Finding("PTX009", "saxpy")]);
        var c = Assert.Single(results).Confirmation;
        Assert.Equal(Verdict.Error, c.Verdict);
        Assert.Contains("crashed", c.Reason);
    }

    [Fact]
    public async Task A_target_newer_than_the_device_is_unsupported_naming_both()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy.Replace(".target sm_80", ".target sm_100a"));
        var results = await Engine().ConfirmAsync(module, [TestPtx.Finding("PTX004", "saxpy"), TestPtx.Finding("PTX002", "saxpy")]);
        Assert.All(results, r =>
        {
            Assert.Equal(Verdict.Unsupported, r.Confirmation.Verdict);
            Assert.Contains("sm_100a", r.Confirmation.Reason);
            Assert.Contains("sm_90", r.Confirmation.Reason);
        });
    }

    [Fact]
    public async Task Tensor_memory_rules_are_unsupported_before_blackwell()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var c = (await Engine().ConfirmAsync(module, [TestPtx.Finding("PTX007", "saxpy")]))[0].Confirmation;
        Assert.Equal(Verdict.Unsupported, c.Verdict);
        Assert.Contains("compute capability 9.0", c.Reason);
    }

    [Fact]
    public async Task Ptx006_without_compute_sanitizer_is_unsupported()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var c = (await Engine().ConfirmAsync(module, [TestPtx.Finding("PTX006", "saxpy")]))[0].Confirmation;
        Assert.Equal(Verdict.Unsupported, c.Verdict);
        Assert.Contains("compute-sanitizer", c.Reason);
    }

    [Fact]
    public async Task Findings_outside_kernels_or_without_a_spec_are_unsupported_with_why()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        var r = await Engine().ConfirmAsync(module, [TestPtx.Finding("PTX009", "no_such_kernel"), TestPtx.Finding("PTX009", "tmem_kernel"),
                                                      TestPtx.Finding("PTX003", "saxpy")]);
        Assert.Contains("not a kernel", r[0].Confirmation.Reason);
        Assert.Contains("give a launch spec", r[1].Confirmation.Reason);
        Assert.Contains("position buffer", r[2].Confirmation.Reason);
        Assert.All(r, x => Assert.Equal(Verdict.Unsupported, x.Confirmation.Verdict));
    }

    [Fact]
    public void Twins_are_found_by_name()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        Assert.Equal("rmsnorm", Parity.FindTwin(module, "rmsnorm_batched"));
        Assert.Null(Parity.FindTwin(module, "saxpy"));
    }
}

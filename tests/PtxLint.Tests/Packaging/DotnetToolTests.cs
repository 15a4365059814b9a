using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// The .NET tool as a user and pre-commit's <c>language: dotnet</c> get it. README's <c>dotnet pack -o nupkg</c> at the
/// repository root makes the .NET 10 RID-specific packages (<c>ptxlint</c>, <c>ptxlint.linux-x64</c> with the NativeAOT
/// build, <c>ptxlint.any</c>); pre-commit's <c>dotnet pack --output pre-commit-build</c> makes exactly one portable
/// package, <c>ptxlint.VERSION.nupkg</c>, because pre-commit installs every package of that folder as a tool.
/// <c>dotnet tool install --tool-path DIR --add-source NUPKG ptxlint</c> installs from that folder alone (a
/// nuget.config that clears every other source keeps it offline); <c>DIR/ptxlint</c> runs.
/// </summary>
public sealed class DotnetToolTests
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public void Only_the_cli_project_is_packable()
    {
        var props = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
        Assert.Equal("false", props.Descendants("IsPackable").Single().Value);
        var projects = Directory.GetFiles(Repo.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Intersect(new[] { "bin", "obj", ".tools" }).Any())
            .ToList();
        Assert.Contains(projects, p => p.EndsWith("PtxLint.Cli.csproj", StringComparison.Ordinal));
        foreach (var p in projects)
        {
            var x = XDocument.Load(p);
            string? Prop(string name) => x.Descendants(name).LastOrDefault()?.Value;
            if (p.EndsWith("PtxLint.Cli.csproj", StringComparison.Ordinal))
            {
                Assert.Equal("true", Prop("IsPackable"));
                Assert.Equal("true", Prop("PackAsTool"));
                Assert.Equal("ptxlint", Prop("PackageId"));
                Assert.Equal("ptxlint", Prop("ToolCommandName"));
            }
            else
            {
                Assert.True(Prop("IsPackable") is null or "false", $"{p} must not be packable");
            }
        }
    }

    [Fact]
    public void The_readme_install_leaves_nothing_untracked()
    {
        // README's local install: dotnet pack -o nupkg, dotnet tool install --tool-path .ptxlint
        var ignore = File.ReadAllLines(Path.Combine(Repo.Root, ".gitignore"));
        Assert.Contains("/.ptxlint/", ignore);
        Assert.Contains("/nupkg/", ignore);
        if (!Path.Exists(Path.Combine(Repo.Root, ".git"))) return; // a source archive: nothing for git to track
        foreach (var path in new[] { ".ptxlint/ptxlint", "nupkg/ptxlint.0.1.0.nupkg" })
        {
            var r = ProcessRunner.Run("git", Repo.Root, new[] { "check-ignore", "-q", path });
            Assert.True(r.ExitCode == 0, $"git does not ignore {path} (README's install):\n" + r);
        }
    }

    [Fact]
    public void Pack_into_pre_commits_folder_makes_one_portable_tool_package_that_installs_and_runs()
    {
        using var tmp = new TempDir();
        var repo = Path.Combine(tmp.Path, "repo");
        CopyWorkingTree(Repo.Root, repo);

        // 1. dotnet pack at the repository root (the solution), as pre-commit 3 does it: `--output pre-commit-build`.
        var nupkgDir = Path.Combine(repo, "pre-commit-build");
        var pack = ProcessRunner.Run("dotnet", repo, new[] { "pack", "--configuration", "Release", "--output", "pre-commit-build", "-nologo" }, timeout: PackTimeout);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack);
        var packages = Directory.GetFiles(nupkgDir).Select(Path.GetFileName).ToList();
        var nupkg = Assert.Single(packages);
        Assert.Matches(@"^ptxlint\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$", nupkg);
        using (var zip = ZipFile.OpenRead(Path.Combine(nupkgDir, nupkg!)))
            Assert.Contains(zip.Entries, e => e.FullName.StartsWith("tools/net10.0/any/", StringComparison.Ordinal) && e.Name == "PtxLint.Cli.dll");

        // The package is a DotnetTool whose command is `ptxlint`.
        using (var zip = ZipFile.OpenRead(Path.Combine(nupkgDir, nupkg!)))
        {
            var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using (var s = nuspec.Open())
            {
                var doc = XDocument.Load(s);
                Assert.Equal("ptxlint", doc.Descendants().Single(e => e.Name.LocalName == "id").Value);
                Assert.Contains(doc.Descendants().Where(e => e.Name.LocalName == "packageType"), e => (string?)e.Attribute("name") == "DotnetTool");
            }
            var settings = zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml");
            using (var s = settings.Open())
                Assert.Equal("ptxlint", XDocument.Load(s).Descendants("Command").Single().Attribute("Name")!.Value);
        }

        // 2. dotnet tool install from the local folder only.
        var (tools, install) = InstallFromFolderOnly(tmp.Path, nupkgDir);
        Assert.Contains("ptxlint", install.Stdout);

        // 3. The installed command runs.
        var exe = Path.Combine(tools, OperatingSystem.IsWindows() ? "ptxlint.exe" : "ptxlint");
        var version = ProcessRunner.Run(exe, tmp.Path, new[] { "--version" });
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches(@"^ptxlint \d+\.\d+\.\d+\s*$", version.Stdout);

        var good = Path.Combine(tmp.Path, "work", "vector_add.ptx");
        Directory.CreateDirectory(Path.GetDirectoryName(good)!);
        File.Copy(Path.Combine(Repo.Samples, "vector_add.ptx"), good);
        var ok = ProcessRunner.Run(exe, Path.GetDirectoryName(good)!, new[] { "analyze", "vector_add.ptx" });
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("1 file, 0 errors", ok.Stdout);

        var bad = Path.Combine(Path.GetDirectoryName(good)!, "broken.ptx");
        File.WriteAllText(bad, ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    mov.u32 %r1 %r2;\n    ret;\n}\n");
        var findings = ProcessRunner.Run(exe, Path.GetDirectoryName(good)!, new[] { "analyze", "broken.ptx", "vector_add.ptx" });
        Assert.True(findings.ExitCode == 1, findings.ToString());
        Assert.Matches(@"broken\.ptx:\d+:\d+: error PTX000: ", findings.Stdout);
        Assert.Contains("2 files, 1 error", findings.Stdout);

        var sarif = ProcessRunner.Run(exe, Path.GetDirectoryName(good)!, new[] { "analyze", "broken.ptx", "--format", "sarif" });
        Assert.Equal(1, sarif.ExitCode);
        using var log = JsonDocument.Parse(sarif.Stdout);
        Assert.Equal("PTX000", log.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("ruleId").GetString());
    }

    /// <summary>
    /// README's install: <c>dotnet pack -o nupkg</c> makes the .NET 10 RID-specific tool packages (the pointer package,
    /// the NativeAOT linux-x64 one and the portable "any" one); <c>dotnet tool install ptxlint</c> from them installs
    /// the native executable, which reports on every sample exactly what the portable build reports.
    /// </summary>
    [LinuxX64Fact]
    public void Readme_pack_installs_the_native_build_on_linux_x64_and_it_reports_what_the_portable_build_does()
    {
        using var tmp = new TempDir();
        var repo = Path.Combine(tmp.Path, "repo");
        CopyWorkingTree(Repo.Root, repo);
        var nupkgDir = Path.Combine(tmp.Path, "nupkg");
        var pack = ProcessRunner.Run("dotnet", repo, new[] { "pack", "-c", "Release", "-o", nupkgDir, "-nologo" }, timeout: PackTimeout);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack);
        var packages = Directory.GetFiles(nupkgDir).Select(f => System.Text.RegularExpressions.Regex.Replace(Path.GetFileName(f), @"\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$", "")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "ptxlint", "ptxlint.any", "ptxlint.linux-x64" }, packages);
        using (var zip = ZipFile.OpenRead(Directory.GetFiles(nupkgDir, "ptxlint.linux-x64.*.nupkg").Single()))
        {
            var files = zip.Entries.Where(e => e.FullName.StartsWith("tools/", StringComparison.Ordinal)).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { "DotnetToolSettings.xml", "PtxLint.Cli" }, files); // one native executable, no assemblies, no symbols
        }

        var (tools, _) = InstallFromFolderOnly(tmp.Path, nupkgDir);
        var exe = Path.Combine(tools, "ptxlint");
        var target = new FileInfo(exe).ResolveLinkTarget(true)?.FullName ?? exe;
        Assert.Contains("/ptxlint.linux-x64/", target.Replace('\\', '/'), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!, "*.dll"));
        var elf = File.ReadAllBytes(target).AsSpan(0, 4).ToArray();
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, elf);

        var version = ProcessRunner.Run(exe, tmp.Path, new[] { "--version" });
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches(@"^ptxlint \d+\.\d+\.\d+\s*$", version.Stdout);

        // every sample, every output format: the native build and the portable one beside the tests agree (the
        // packaged copy has no git history, so its version is another)
        var nativeVersion = version.Stdout.Trim()["ptxlint ".Length..];
        var portableVersion = ProcessRunner.Run("dotnet", tmp.Path, new[] { PortableCli, "--version" }).Stdout.Trim()["ptxlint ".Length..];
        var work = Path.Combine(tmp.Path, "work");
        Directory.CreateDirectory(work);
        foreach (var f in Directory.GetFiles(Repo.Samples, "*.ptx")) File.Copy(f, Path.Combine(work, Path.GetFileName(f)));
        foreach (var format in new[] { "json", "concise", "sarif" })
        {
            var native = ProcessRunner.Run(exe, work, new[] { "analyze", ".", "--format", format }, timeout: TimeSpan.FromMinutes(3));
            var portable = ProcessRunner.Run("dotnet", work, new[] { PortableCli, "analyze", ".", "--format", format }, timeout: TimeSpan.FromMinutes(3));
            Assert.True(native.ExitCode == portable.ExitCode, $"--format {format}: native exit {native.ExitCode}, portable {portable.ExitCode}\n{native}\n{portable}");
            Assert.Equal(Normalize(portable.Stdout, portableVersion), Normalize(native.Stdout, nativeVersion));
        }
        var broken = Path.Combine(work, "broken.ptx");
        File.WriteAllText(broken, ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    mov.u32 %r1 %r2;\n    ret;\n}\n");
        var findings = ProcessRunner.Run(exe, work, new[] { "analyze", "broken.ptx" });
        Assert.True(findings.ExitCode == 1, findings.ToString());
        Assert.Matches(@"broken\.ptx:\d+:\d+: error PTX000: ", findings.Stdout);

        // the run's duration and the tool's version are the differences allowed
        static string Normalize(string s, string version) =>
            System.Text.RegularExpressions.Regex.Replace(s, @"\(\d+ ms\)", "(N ms)").Replace(version, "VERSION", StringComparison.Ordinal);
    }

    /// <summary>The portable command-line build beside the tests (the tests reference the CLI project).</summary>
    private static string PortableCli
    {
        get
        {
            var dll = typeof(PtxLint.Cli.Program).Assembly.Location;
            Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), "no runtimeconfig beside " + dll);
            return dll;
        }
    }

    /// <summary>`dotnet tool install ptxlint` into DIR/tools from <paramref name="nupkgDir"/> only (no other package source); asserts it worked.</summary>
    private static (string Tools, ProcessRunner.Result Install) InstallFromFolderOnly(string dir, string nupkgDir)
    {
        var config = Path.Combine(dir, "nuget.config");
        File.WriteAllText(config, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(dir, "tools");
        var install = ProcessRunner.Run("dotnet", dir,
            new[] { "tool", "install", "--tool-path", tools, "--add-source", nupkgDir, "--configfile", config, "ptxlint" },
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install);
        return (tools, install);
    }

    /// <summary>The working tree as a clean clone has it: no build outputs, no .git, no installed tools (the ANTLR jar kept, to build offline).</summary>
    internal static void CopyWorkingTree(string from, string to)
    {
        var skipDirs = new HashSet<string>(StringComparer.Ordinal) { "bin", "obj", ".git", "node_modules", "TestResults", "nupkg", "BenchmarkDotNet.Artifacts" };
        void Copy(string src, string dst, bool top)
        {
            Directory.CreateDirectory(dst);
            foreach (var f in Directory.GetFiles(src))
            {
                var name = Path.GetFileName(f);
                if (top && name == ".git") continue; // a worktree's .git file
                File.Copy(f, Path.Combine(dst, name));
            }
            foreach (var d in Directory.GetDirectories(src))
            {
                var name = Path.GetFileName(d);
                if (skipDirs.Contains(name)) continue;
                if (top && name == ".tools")
                {
                    var antlr = Path.Combine(d, "antlr");
                    if (Directory.Exists(antlr)) Copy(antlr, Path.Combine(dst, ".tools", "antlr"), false);
                    continue;
                }
                Copy(d, Path.Combine(dst, name), false);
            }
        }
        Copy(from, to, true);
    }
}

/// <summary>A fact about the linux-x64 build (the native tool package): skipped, with the reason shown, elsewhere.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Skip = "the native (NativeAOT) tool package is built for linux-x64 only; this machine is " + System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
    }
}

using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// The .NET tool as a user (and pre-commit's <c>language: dotnet</c>) gets it: <c>dotnet pack</c> at the repository
/// root makes exactly one package, <c>ptxlint.VERSION.nupkg</c>; <c>dotnet tool install --tool-path DIR --add-source
/// NUPKG ptxlint</c> installs it from that folder alone (a nuget.config that clears every other source keeps it
/// offline); <c>DIR/ptxlint</c> runs.
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
    public void Pack_at_the_root_makes_one_tool_package_that_installs_and_runs()
    {
        using var tmp = new TempDir();
        var repo = Path.Combine(tmp.Path, "repo");
        CopyWorkingTree(Repo.Root, repo);

        // 1. dotnet pack at the repository root (the solution), as pre-commit does it.
        var nupkgDir = Path.Combine(tmp.Path, "nupkg");
        var pack = ProcessRunner.Run("dotnet", repo, new[] { "pack", "-c", "Release", "-o", nupkgDir, "-nologo" }, timeout: PackTimeout);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack);
        var packages = Directory.GetFiles(nupkgDir).Select(Path.GetFileName).ToList();
        var nupkg = Assert.Single(packages);
        Assert.Matches(@"^ptxlint\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$", nupkg);

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
    /// README's fast-start packages: <c>dotnet pack -p:PtxLintReadyToRun=true</c> makes the .NET 10 RID-specific tool
    /// packages (the pointer package, a ReadyToRun linux-x64 one and the portable "any" one), and <c>dotnet tool
    /// install ptxlint</c> from them installs the linux-x64 build, which runs.
    /// </summary>
    [LinuxX64Fact]
    public void Ready_to_run_packages_install_the_linux_x64_build_and_it_runs()
    {
        using var tmp = new TempDir();
        var repo = Path.Combine(tmp.Path, "repo");
        CopyWorkingTree(Repo.Root, repo);
        var nupkgDir = Path.Combine(tmp.Path, "nupkg");
        var pack = ProcessRunner.Run("dotnet", repo, new[] { "pack", "-c", "Release", "-o", nupkgDir, "-nologo", "-p:PtxLintReadyToRun=true" }, timeout: PackTimeout);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack);
        var packages = Directory.GetFiles(nupkgDir).Select(f => System.Text.RegularExpressions.Regex.Replace(Path.GetFileName(f), @"\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$", "")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "ptxlint", "ptxlint.any", "ptxlint.linux-x64" }, packages);

        var (tools, _) = InstallFromFolderOnly(tmp.Path, nupkgDir);
        var cli = Directory.GetFiles(Path.Combine(tools, ".store"), "PtxLint.Cli.dll", SearchOption.AllDirectories);
        Assert.Contains(cli, p => p.Replace('\\', '/').Contains("/ptxlint.linux-x64/", StringComparison.Ordinal));

        var work = Path.Combine(tmp.Path, "work");
        Directory.CreateDirectory(work);
        File.Copy(Path.Combine(Repo.Samples, "vector_add.ptx"), Path.Combine(work, "vector_add.ptx"));
        var ok = ProcessRunner.Run(Path.Combine(tools, "ptxlint"), work, new[] { "analyze", "vector_add.ptx" });
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("1 file, 0 errors", ok.Stdout);
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

/// <summary>A fact about the linux-x64 build (the ReadyToRun tool package): skipped, with the reason shown, elsewhere.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Skip = "the ReadyToRun tool package is built for linux-x64 only; this machine is " + System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
    }
}

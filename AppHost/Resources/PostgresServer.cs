using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace AppHost.Resources;

/// <summary>
/// A local PostgreSQL cluster made with initdb and run as a child process (as the <c>postgres</c>
/// OS user when running as root), reachable on 127.0.0.1 with a password like a production server.
/// <see cref="LocalServer.DataDirectory"/> holds <c>data/</c> (PGDATA), <c>run/</c> (socket), <c>password</c>
/// and, for a kept cluster, <c>port</c>.
/// </summary>
public sealed class PostgresServer : LocalServer
{
    public const int MinimumMajorVersion = 15;
    private const string OsUser = "postgres";

    private readonly PostgresServerOptions _options;
    private readonly string _clusterDirectory;
    private readonly string _socketDirectory;
    private readonly string _passwordFile;
    private readonly string _portFile;

    public PostgresServer(PostgresServerOptions? options = null)
        : base((options ??= new PostgresServerOptions()).Name, options.DataDirectory, "postgres-")
    {
        _options = options;
        _clusterDirectory = Path.Combine(DataDirectory, "data");
        _socketDirectory = Path.Combine(DataDirectory, "run");
        _passwordFile = Path.Combine(DataDirectory, "password");
        _portFile = Path.Combine(DataDirectory, "port");
        Port = _options.Port != 0 ? _options.Port : RememberedPort() ?? FreePort.Next();
        Password = File.Exists(_passwordFile) ? File.ReadAllText(_passwordFile).Trim() : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string Database => _options.Database;

    public string UserName => _options.UserName;

    public string Password { get; }

    /// <summary>Npgsql connection string for <see cref="Database"/>.</summary>
    public string ConnectionString => GetConnectionString(Database);

    public string GetConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = UserName,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>Stopping is a fast shutdown (SIGINT, as <c>pg_ctl stop -m fast</c>): open sessions are ended, the cluster stays; SIGKILL after 30 s.</summary>
    protected override TimeSpan StopGracePeriod => TimeSpan.FromSeconds(30);

    /// <summary>Creates the cluster on first use, starts PostgreSQL, waits until it accepts connections and makes sure <see cref="Database"/> exists.</summary>
    protected override async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var binDirectory = FindBinDirectory(_options.BinDirectory);
        var runAsUser = Environment.IsPrivilegedProcess ? OsUser : null;
        if (runAsUser is not null && !OsUserExists(runAsUser))
        {
            throw new ResourceNotInstalledException(Name, $"OS user '{runAsUser}' (PostgreSQL refuses to run as root)", "postgresql");
        }

        Directory.CreateDirectory(_socketDirectory);
        ThrowIfAlreadyRunning();
        if (!IsThrowAway)
        {
            await File.WriteAllTextAsync(_portFile, Port.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }

        if (!File.Exists(Path.Combine(_clusterDirectory, "PG_VERSION")))
        {
            await InitializeClusterAsync(binDirectory, runAsUser, cancellationToken);
        }
        else if (!File.Exists(_passwordFile))
        {
            throw new ResourceStartException(Name, $"{_clusterDirectory} holds a cluster but {_passwordFile} is missing; delete {DataDirectory} to create a new one", []);
        }

        List<string> arguments =
        [
            "-D", _clusterDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", _socketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200",
        ];
        if (IsThrowAway)
        {
            // Durability is pointless for a cluster deleted after the run.
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        await StartProcessAsync(
            ClusterProgram(binDirectory, "postgres", arguments, runAsUser) with { StopSignal = StopSignal.Interrupt },
            async (process, token) =>
            {
                await WaitUntilAcceptingConnectionsAsync(process, token);
                await EnsureDatabaseExistsAsync(token);
            },
            cancellationToken);
    }

    /// <summary>The folder holding initdb and postgres, or a <see cref="ResourceNotInstalledException"/> naming the package.</summary>
    public static string FindBinDirectory(string? configured = null)
    {
        if (configured is not null)
        {
            return HasServerBinaries(configured)
                ? configured
                : throw new ResourceNotInstalledException("postgres", "initdb", "postgresql", configured);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.EnumerateDirectories(debianRoot)
                .Select(path => (Path: Path.Combine(path, "bin"), Version: int.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var major) ? major : 0))
                .Where(candidate => candidate.Version >= MinimumMajorVersion && HasServerBinaries(candidate.Path))
                .OrderByDescending(candidate => candidate.Version)
                .FirstOrDefault();
            if (newest.Path is not null)
            {
                return newest.Path;
            }
        }

        if (Executables.FindOnPath("initdb") is { } initdb && HasServerBinaries(Path.GetDirectoryName(initdb)!))
        {
            return Path.GetDirectoryName(initdb)!;
        }

        if (PgConfigBinDirectory() is { } fromPgConfig && HasServerBinaries(fromPgConfig))
        {
            return fromPgConfig;
        }

        throw new ResourceNotInstalledException("postgres", "initdb", "postgresql", $"{debianRoot}/*/bin (version >= {MinimumMajorVersion}), PATH and pg_config --bindir");
    }

    // A kept cluster keeps its port between runs while it is free, so saved connections keep working.
    private int? RememberedPort() =>
        !IsThrowAway
        && File.Exists(_portFile)
        && int.TryParse(File.ReadAllText(_portFile).Trim(), CultureInfo.InvariantCulture, out var port)
        && port is > 0 and < 65536
        && FreePort.IsAvailable(port)
            ? port
            : null;

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));

    private static string? PgConfigBinDirectory()
    {
        if (Executables.FindOnPath("pg_config") is not { } pgConfig)
        {
            return null;
        }

        using var process = Process.Start(new ProcessStartInfo(pgConfig, "--bindir") { RedirectStandardOutput = true, UseShellExecute = false });
        var output = process?.StandardOutput.ReadToEnd().Trim();
        process?.WaitForExit();
        return string.IsNullOrEmpty(output) ? null : output;
    }

    private static bool OsUserExists(string user) =>
        File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));

    private async Task InitializeClusterAsync(string binDirectory, string? runAsUser, CancellationToken cancellationToken)
    {
        if (Directory.Exists(_clusterDirectory))
        {
            // A half-made cluster from an interrupted initdb; initdb wants an empty folder.
            Directory.Delete(_clusterDirectory, recursive: true);
        }

        await File.WriteAllTextAsync(_passwordFile, Password + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (runAsUser is not null)
        {
            await ManagedProcess.RunToCompletionAsync(
                new ManagedProcessOptions { Name = Name, FileName = "chown", Arguments = ["-R", $"{runAsUser}:{runAsUser}", DataDirectory] },
                TimeSpan.FromSeconds(30),
                cancellationToken);
        }

        List<string> arguments =
        [
            "-D", _clusterDirectory,
            "-U", UserName,
            $"--pwfile={_passwordFile}",
            "--auth-host=scram-sha-256",
            // The socket folder is private to the postgres user (and root).
            "--auth-local=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        ];
        if (IsThrowAway)
        {
            arguments.Add("--no-sync");
        }

        await ManagedProcess.RunToCompletionAsync(ClusterProgram(binDirectory, "initdb", arguments, runAsUser), TimeSpan.FromSeconds(120), cancellationToken);
    }

    // initdb and postgres run alike: as the cluster's OS user, in the data folder, with output forwarded.
    private ManagedProcessOptions ClusterProgram(string binDirectory, string program, IReadOnlyList<string> arguments, string? runAsUser) => new()
    {
        Name = Name,
        FileName = Path.Combine(binDirectory, program),
        Arguments = arguments,
        WorkingDirectory = DataDirectory,
        RunAsUser = runAsUser,
        OutputLine = _options.OutputLine,
    };

    private void ThrowIfAlreadyRunning()
    {
        var pidFile = Path.Combine(_clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (int.TryParse(firstLine, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}"))
        {
            throw new ResourceStartException(Name, $"a PostgreSQL (pid {pid}) is already running on {_clusterDirectory}, probably left by an earlier run that was killed; stop it with: kill -INT {pid}", []);
        }
    }

    private async Task WaitUntilAcceptingConnectionsAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var adminConnectionString = new NpgsqlConnectionStringBuilder(GetConnectionString("postgres")) { Pooling = false, Timeout = 2 }.ConnectionString;
        var deadline = Stopwatch.StartNew();
        Exception? lastError = null;
        while (deadline.Elapsed < _options.StartupTimeout)
        {
            if (process.HasExited)
            {
                throw new ResourceStartException(Name, $"PostgreSQL exited with code {process.ExitCode} while starting", process.RecentOutput);
            }

            try
            {
                await using var connection = new NpgsqlConnection(adminConnectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                lastError = ex;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new ResourceStartException(Name, $"not accepting connections on {Host}:{Port} after {_options.StartupTimeout.TotalSeconds:0} s ({lastError?.Message})", process.RecentOutput, lastError);
    }

    private async Task EnsureDatabaseExistsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(GetConnectionString("postgres")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection) { Parameters = { new() { Value = Database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"create database {QuoteIdentifier(Database)}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    internal static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

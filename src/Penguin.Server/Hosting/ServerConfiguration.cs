using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

/// <summary>Binding and checking the Penguin section, and the logging choices an operator makes.</summary>
public static class ServerConfiguration
{
    /// <summary>
    /// Binds the Penguin section once (the engines it names decide which services exist), applies
    /// <paramref name="configure"/>, and registers the instance with the options system, validated by
    /// <see cref="ServerOptionsAnnotations"/> and <see cref="ServerOptionsRules"/> when the host starts (ValidateOnStart).
    /// A key that is not a setting or a value of the wrong type stops here, before anything is built.
    /// </summary>
    public static ServerOptions BindServerOptions(this IHostApplicationBuilder builder, Action<ServerOptions>? configure)
    {
        var problems = ConfigurationCheck.Problems(builder.Configuration);
        if (problems.Count > 0) throw StartupFailure.Configuration(problems);

        var options = builder.Configuration.GetSection(ConfigurationCheck.Section).Get<ServerOptions>() ?? new ServerOptions();
        configure?.Invoke(options);

        // Checked now as well as on start: the engines' services are built from these values before the host starts.
        IValidateOptions<ServerOptions>[] validators = [new ServerOptionsAnnotations(), new ServerOptionsRules()];
        _ = new ValidatedInstanceFactory<ServerOptions>(options, validators).Create(Options.DefaultName);

        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsAnnotations>();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsRules>();
        builder.Services.AddSingleton<IOptionsFactory<ServerOptions>>(sp =>
            new ValidatedInstanceFactory<ServerOptions>(options, sp.GetServices<IValidateOptions<ServerOptions>>()));
        builder.Services.AddOptions<ServerOptions>().ValidateOnStart();
        return options;
    }

    /// <summary>
    /// appsettings.json next to the executable is read too, below everything else (the working directory's
    /// appsettings.json, environment, command line), so that an installed node started from its data directory
    /// (the systemd unit) finds its settings; started from the project folder, both are the same file.
    /// </summary>
    public static void AddSettingsBesideExecutable(this IHostApplicationBuilder builder)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var beside = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = false };
        beside.ResolveFileProvider();
        builder.Configuration.Sources.Insert(0, beside);
    }

    /// <summary>
    /// Logs go to the console (journald under systemd): plain lines by default, one JSON object per line with
    /// Logging:Console:FormatterName=json (appsettings.json holds the defaults). The host's own report of a failed
    /// start is left to <see cref="StartupFailure"/>, which says it in one line instead of a stack trace.
    /// </summary>
    public static void AddPenguinLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // Under systemd, UseSystemd switches the console to journald's format (priorities, no timestamps);
        // an explicit choice of JSON still wins.
        builder.Services.PostConfigure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console =>
        {
            if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
                console.FormatterName = "json";
        });
    }
}

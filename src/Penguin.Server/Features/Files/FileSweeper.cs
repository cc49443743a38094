using Penguin.Server.Hosting;
using Penguin.Core.Files;

namespace Penguin.Server.Features.Files;

/// <summary>Every <see cref="FilesOptions.SweepInterval"/> (on the server's clock, so tests move it): abandoned uploads, unreferenced bytes and avatars nobody uses go.</summary>
public sealed partial class FileSweeper(FilesService files, AvatarService avatars, FilesOptions options, TimeProvider time, ILogger<FileSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await Upkeep.RunAsync(SweepAsync, SweepSkipped, SweepFailed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        async Task SweepAsync()
        {
            try
            {
                var (uploads, blobs) = await files.SweepAsync(stoppingToken);
                var unused = await avatars.SweepAsync(stoppingToken);
                if (uploads + blobs + unused > 0) Swept(uploads, blobs, unused);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                SweepSkipped(e.Message); // the files directory, not a bug: unreadable, unmounted, full
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Files swept: {Uploads} abandoned uploads, {Blobs} unreferenced blobs and {Avatars} unused avatars removed")]
    private partial void Swept(int uploads, int blobs, int avatars);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "File sweep skipped, trying again at the next interval: {Reason}")]
    private partial void SweepSkipped(string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "File sweep failed; trying again at the next interval")]
    private partial void SweepFailed(Exception e);
}

using Penguin.Core.Presence;
using Penguin.Protocol;

namespace Penguin.Core.Tests;

public sealed class PresenceRulesTests
{
    private static DevicePresence Device(long session, DeviceKind kind, PresenceStatus status) => new(session, kind, status);

    [Fact]
    public void Visible_NoDevices_IsOffline()
    {
        var presence = PresenceService.Visible(10001, []);
        Assert.Equal(PresenceStatus.Offline, presence.Status);
        Assert.Empty(presence.Devices);
    }

    [Fact]
    public void Visible_IsTheMostAvailableDevice_WithEveryVisibleKind()
    {
        var presence = PresenceService.Visible(10001,
        [
            Device(1, DeviceKind.Mobile, PresenceStatus.Busy),
            Device(2, DeviceKind.Pc, PresenceStatus.Away),
            Device(3, DeviceKind.Web, PresenceStatus.DoNotDisturb),
        ]);

        Assert.Equal(PresenceStatus.Away, presence.Status);
        Assert.Equal([DeviceKind.Pc, DeviceKind.Mobile, DeviceKind.Web], presence.Devices);
    }

    [Fact]
    public void Visible_InvisibleDevices_AreHidden()
    {
        Assert.Equal(PresenceStatus.Offline, PresenceService.Visible(1, [Device(1, DeviceKind.Pc, PresenceStatus.Invisible)]).Status);

        var mixed = PresenceService.Visible(1, [Device(1, DeviceKind.Pc, PresenceStatus.Invisible), Device(2, DeviceKind.Mobile, PresenceStatus.Busy)]);
        Assert.Equal(PresenceStatus.Busy, mixed.Status);
        Assert.Equal([DeviceKind.Mobile], mixed.Devices);
    }

    [Fact]
    public void Visible_TwoDevicesOfOneKind_ListTheKindOnce()
    {
        var presence = PresenceService.Visible(1, [Device(1, DeviceKind.Pc, PresenceStatus.Online), Device(2, DeviceKind.Pc, PresenceStatus.Away)]);
        Assert.Equal([DeviceKind.Pc], presence.Devices);
    }

    [Fact]
    public async Task InMemoryRegistry_TracksDevicesPerSession()
    {
        var registry = new InMemoryPresenceRegistry();
        await registry.SetAsync(7, Device(1, DeviceKind.Pc, PresenceStatus.Online));
        await registry.SetAsync(7, Device(2, DeviceKind.Mobile, PresenceStatus.Away));
        await registry.SetAsync(7, Device(1, DeviceKind.Pc, PresenceStatus.Busy));

        Assert.Equal([PresenceStatus.Busy, PresenceStatus.Away], (await registry.GetAsync(7)).Select(d => d.Status).Order());

        await registry.RemoveAsync(7, 1);
        await registry.RemoveAsync(7, 2);
        Assert.Empty(await registry.GetAsync(7));
    }
}

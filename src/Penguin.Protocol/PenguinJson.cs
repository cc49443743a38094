using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Penguin.Protocol;

/// <summary>The one serializer context of the protocol: source-generated, camelCase, strict about missing and null fields.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ClientFrame))]
[JsonSerializable(typeof(ServerFrame))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(RegisterResponse))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(DeleteAccountRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(Me))]
[JsonSerializable(typeof(Profile))]
[JsonSerializable(typeof(AccountSettings))]
[JsonSerializable(typeof(UpdateProfileRequest))]
[JsonSerializable(typeof(AvatarList))]
[JsonSerializable(typeof(UserList))]
[JsonSerializable(typeof(SendFriendRequest))]
[JsonSerializable(typeof(FriendRequestOutcome))]
[JsonSerializable(typeof(AnswerFriendRequest))]
[JsonSerializable(typeof(FriendRequestList))]
[JsonSerializable(typeof(UpdateFriendRequest))]
[JsonSerializable(typeof(BuddyList))]
[JsonSerializable(typeof(Friend))]
[JsonSerializable(typeof(BuddyGroupName))]
[JsonSerializable(typeof(BuddyGroupOrder))]
[JsonSerializable(typeof(BuddyGroupList))]
[JsonSerializable(typeof(BuddyGroup))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(BlockList))]
[JsonSerializable(typeof(ConversationList))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(UserPresence[]))]
// Files
[JsonSerializable(typeof(CreateUpload))]
[JsonSerializable(typeof(SetAvatarRequest))]
[JsonSerializable(typeof(UploadStatus))]
[JsonSerializable(typeof(StoredFile))]
[JsonSerializable(typeof(UploadResult))]
[JsonSerializable(typeof(Attachment))]
// Wallet (Wallet.cs)
[JsonSerializable(typeof(WalletBalance))]
[JsonSerializable(typeof(WalletHistoryPage))]
[JsonSerializable(typeof(SetPayPasswordRequest))]
[JsonSerializable(typeof(CreateTransferRequest))]
[JsonSerializable(typeof(WalletTransfer))]
[JsonSerializable(typeof(WalletTransferList))]
[JsonSerializable(typeof(BuyQCoinsRequest))]
[JsonSerializable(typeof(WalletReceipt))]
[JsonSerializable(typeof(CreateRedPacketRequest))]
[JsonSerializable(typeof(RedPacket))]
[JsonSerializable(typeof(RedPacketDetails))]
[JsonSerializable(typeof(RedPacketClaimResult))]
[JsonSerializable(typeof(TestDepositRequest))]
// Top-up and withdrawal (WalletBank.cs)
[JsonSerializable(typeof(TopUpRequest))]
[JsonSerializable(typeof(WithdrawRequest))]
[JsonSerializable(typeof(WalletBankPayment))]
[JsonSerializable(typeof(WalletBankPaymentList))]
// Groups (Groups.cs)
[JsonSerializable(typeof(GroupInfo))]
[JsonSerializable(typeof(GroupSummary))]
[JsonSerializable(typeof(CreateGroupRequest))]
[JsonSerializable(typeof(UpdateGroupRequest))]
[JsonSerializable(typeof(GroupList))]
[JsonSerializable(typeof(GroupMember))]
[JsonSerializable(typeof(GroupMemberList))]
[JsonSerializable(typeof(JoinGroupRequest))]
[JsonSerializable(typeof(GroupJoinOutcome))]
[JsonSerializable(typeof(GroupJoinRequestList))]
[JsonSerializable(typeof(InviteToGroupRequest))]
[JsonSerializable(typeof(MuteMemberRequest))]
[JsonSerializable(typeof(MuteAllRequest))]
[JsonSerializable(typeof(TransferGroupRequest))]
[JsonSerializable(typeof(GroupCardRequest))]
[JsonSerializable(typeof(GroupNotifyRequest))]
[JsonSerializable(typeof(GroupMessagePage))]
[JsonSerializable(typeof(GroupReadCount))]
// Chat rooms (Rooms.cs)
[JsonSerializable(typeof(RoomInfo))]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(RoomList))]
[JsonSerializable(typeof(RoomModeratorList))]
[JsonSerializable(typeof(RoomBanList))]
public sealed partial class PenguinJson : JsonSerializerContext
{
    /// <summary>
    /// The context to use on the wire: the same rules as <see cref="JsonSerializerContext"/> options above, but
    /// Chinese written as itself rather than \u escapes (half the bytes for CJK text); characters outside the
    /// Basic Multilingual Plane, such as most emoji, are still escaped by System.Text.Json.
    /// </summary>
    public static PenguinJson Wire { get; } = new(WireOptions());

    public static JsonSerializerOptions WireOptions() => Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the protocol's rules to options (also used for ASP.NET Core's REST binding).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowOutOfOrderMetadataProperties = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}

namespace Penguin.Core.Accounts;

public sealed class AccountOptions
{
    public int RegistrationsPerAddress { get; set; } = 20;
    public TimeSpan RegistrationWindow { get; set; } = TimeSpan.FromHours(1);
    public int LoginFailuresPerAccount { get; set; } = 5;
    public int LoginFailuresPerAddress { get; set; } = 50;
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(5);
    public int PasswordIterations { get; set; } = PasswordHasher.DefaultIterations;
}

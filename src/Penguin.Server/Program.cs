using Penguin.Server.Hosting;

var app = PenguinServer.Build(args);
await app.RunAsync();

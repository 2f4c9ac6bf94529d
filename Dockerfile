# syntax=docker/dockerfile:1
#
# Two images from one build:
#   docker build -t reflector-relay .                              (the relay; the default, last stage)
#   docker build -t reflector-simulator --target simulator .       (the simulated Reflector, for demos)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS sdk
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./

# The relay, built from its own sources only: a Release build leaves the simulated Reflector out (see
# IncludeSimulatedReflector in its project file), so the image holds no code that signs tokens.
# Restored from the project file alone, so the package layer is reused until a dependency changes.
FROM sdk AS build
COPY src/Reflector.Relay/Reflector.Relay.csproj src/Reflector.Relay/
RUN dotnet restore src/Reflector.Relay/Reflector.Relay.csproj -p:Configuration=Release
COPY src/Reflector.Relay/ src/Reflector.Relay/
RUN dotnet publish src/Reflector.Relay -c Release -o /app --no-restore -p:UseAppHost=false

# The simulated Reflector, for the simulator target only.
FROM sdk AS build-simulator
COPY src/Reflector.Simulator/Reflector.Simulator.csproj src/Reflector.Simulator/
RUN dotnet restore src/Reflector.Simulator/Reflector.Simulator.csproj
COPY src/Reflector.Simulator/ src/Reflector.Simulator/
RUN dotnet publish src/Reflector.Simulator -c Release -o /simulator --no-restore -p:UseAppHost=false

# The aspnet image has no HTTP client, and Docker's HEALTHCHECK runs a command inside the container.
# curl is the plainest probe (a few MB with its libraries), and the same command works from `docker exec`.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Simulated Reflector: /v1/events plus /dev endpoints that mint tokens for anyone. Never expose it
# beyond a demo machine. It writes its public key to /keys for a relay to trust.
FROM runtime AS simulator
COPY --from=build-simulator /simulator .
RUN mkdir /keys && chown "$APP_UID" /keys
USER $APP_UID
EXPOSE 5251
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:5251/dev/stats > /dev/null || exit 1
ENTRYPOINT ["dotnet", "Reflector.Simulator.dll", "--urls", "http://0.0.0.0:5251", "--public-key-file", "/keys/simulator-public.pem"]

# The relay. Configure it with environment variables (see docs/operations.md, Configuration).
FROM runtime AS relay
COPY --from=build /app .
# The image presets ASPNETCORE_HTTP_PORTS=8080; with ASPNETCORE_URLS also set, ASP.NET warns at every
# start that one overrides the other, so the preset is cleared. Override ASPNETCORE_URLS to move the
# port, and the HEALTHCHECK with it.
ENV ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz > /dev/null || exit 1
ENTRYPOINT ["dotnet", "Reflector.Relay.dll"]

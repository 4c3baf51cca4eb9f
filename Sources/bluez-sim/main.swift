do {
    let command = try BluezSim.parse()
    try await command.runSimulator()
} catch {
    BluezSim.exit(withError: error)
}

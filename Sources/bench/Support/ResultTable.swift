/// One line of a benchmark summary: what was measured, the figure, and how it compares with its reference.
struct BenchRow: Sendable {
    var benchmark: String
    var measure: String
    var result: String
    var comparison: String

    init(_ benchmark: String, _ measure: String, _ result: String, _ comparison: String = "") {
        self.benchmark = benchmark
        self.measure = measure
        self.result = result
        self.comparison = comparison
    }
}

/// Prints rows as a Markdown table with aligned columns: readable in a terminal and pasted as is into README.
enum ResultTable {
    static let header = BenchRow("Benchmark", "Measure", "Result", "Comparison")

    static func markdown(_ rows: [BenchRow]) -> String {
        let all = [header] + rows
        let paths: [KeyPath<BenchRow, String>] = [\.benchmark, \.measure, \.result, \.comparison]
        let columns = paths.map { path in { (row: BenchRow) in row[keyPath: path] } }
        let widths = columns.map { column in all.map { column($0).count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }.joined(separator: " | ") + " |"
        }
        var lines = [line(columns.map { $0(header) })]
        lines.append(line(widths.map { String(repeating: "-", count: max(3, $0)) }))
        for row in rows { lines.append(line(columns.map { $0(row) })) }
        return lines.joined(separator: "\n")
    }

    static func print(_ rows: [BenchRow]) {
        Swift.print("")
        Swift.print(markdown(rows))
    }
}

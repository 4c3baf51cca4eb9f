// Finds anchors and aliases (&name, *name) before Yams composes a document. Yams expands every alias in place
// and hashes mapping keys whole to find duplicates, so a few hundred bytes of nested aliases ("billion laughs")
// cost it minutes and gigabytes (found while fuzzing the configuration parsers). No configuration file of
// the gateway needs them, so they are refused up front. The scan uses libyaml's event parser, the copy Yams
// bundles (its CYaml module): it reads the text once, in linear time, and builds nothing. Written here
// because Yams offers no event-level API and no way to turn aliases off.
import CYaml

public enum YAMLAnchors {
    /// The 1-based line of the first anchor or alias in `yaml`; nil when there is none, or when the text stops
    /// being YAML before one (the parser proper then reports the syntax error, with its own wording).
    public static func firstUse(in yaml: String) -> Int? {
        var bytes = Array(yaml.utf8)
        if bytes.isEmpty { bytes = [0x0A] }  // libyaml wants a non-null buffer
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1, let base = buffer.baseAddress else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, base, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let anchored: Bool
                switch event.type {
                case YAML_ALIAS_EVENT: anchored = true
                case YAML_SCALAR_EVENT: anchored = event.data.scalar.anchor != nil
                case YAML_SEQUENCE_START_EVENT: anchored = event.data.sequence_start.anchor != nil
                case YAML_MAPPING_START_EVENT: anchored = event.data.mapping_start.anchor != nil
                case YAML_STREAM_END_EVENT, YAML_NO_EVENT: return nil
                default: anchored = false
                }
                if anchored { return event.start_mark.line + 1 }
            }
        }
    }

    /// What to tell the author of a file that uses them.
    public static let refusal = "anchors and aliases (&name, *name) are not supported"
}

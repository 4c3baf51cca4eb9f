// Forwarding's public API (the mapper, the forwarder, the annotations it asks for) is written in the FHIR model's
// types, so every client of Forwarding needs them: re-exported rather than imported by each client again.
@_exported public import FHIRModel

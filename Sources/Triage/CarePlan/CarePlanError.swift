public import ConfigYAML

/// A care plan that cannot be used: the shared configuration error, naming file, line and key path.
public typealias CarePlanError = ConfigError

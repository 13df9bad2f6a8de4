extension Registry {
    /// Every top-level command, in the order `help` lists them (roughly the order of the workflow).
    static let standard = Registry(commands: [
        HelpCommand.self,
        StatusCommand.self,
        SetCommand.self,
        ImportCommand.self,
        ClusterCommand.self,
        ClustersCommand.self,
        ShowCommand.self,
        ExportCommand.self,
        SourceCommand.self,
        HistoryCommand.self,
        EchoCommand.self,
        QuitCommand.self,
    ])
}

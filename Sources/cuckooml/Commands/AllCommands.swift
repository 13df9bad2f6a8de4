extension Registry {
    /// Every top-level command, in the order `help` lists them (roughly the order of the workflow).
    static let standard = Registry(commands: [
        HelpCommand.self,
        StatusCommand.self,
        SetCommand.self,
        ShowCommand.self,
        FeaturesCommand.self,
        LabelsCommand.self,
        ExportCommand.self,
        SourceCommand.self,
        HistoryCommand.self,
        EchoCommand.self,
        QuitCommand.self,
    ])
}

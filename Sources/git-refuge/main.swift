import RefugeCommands

RefugeCommand.main()

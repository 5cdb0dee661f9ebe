from edms.manage import main

main()

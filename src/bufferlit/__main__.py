from bufferlit.cli import main

main()

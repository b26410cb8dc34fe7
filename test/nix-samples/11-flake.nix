{
  description = "A fleet of hosts";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.11";
    flake-utils.url = "github:numtide/flake-utils";
    home-manager = {
      url = "github:nix-community/home-manager";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, flake-utils, home-manager, ... }@inputs:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      mkHost = name: modules: nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs; hostName = name; };
        modules = modules ++ [
          ./hosts/${name}.nix
          home-manager.nixosModules.home-manager
          ({ config, ... }: { networking.hostName = name; })
        ];
      };
    in
    {
      nixosConfigurations = {
        web1 = mkHost "web1" [ ./modules/web.nix ];
        db1 = mkHost "db1" [ ./modules/db.nix ];
      };
      devShells.${system}.default = pkgs.mkShell {
        packages = with pkgs; [ nixpkgs-fmt nil ];
        shellHook = ''
          echo "welcome to ${self.description or "the fleet"}"
        '';
      };
      formatter = flake-utils.lib.eachDefaultSystem (system: nixpkgs.legacyPackages.${system}.nixpkgs-fmt);
    };
}
